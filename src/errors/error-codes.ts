/**
 * Every stable error code the API (and the CLI's error output) can carry, with its HTTP status. Scripts
 * match on these, so a code is never renamed; a new failure gets a new entry here (the error classes only
 * accept codes listed with their status, so a 409 code cannot be thrown as a 500 by mistake).
 */
export const ERROR_CODES = {
  // 400: bad input, nothing changed
  validation_failed: 400,
  malformed_json: 400,
  bad_request: 400,
  docker_rejected: 400,
  unsupported_content_type: 400,
  ambiguous_container: 400,
  invalid_copy_name: 400,
  // 401
  unauthorized: 401,
  // 403: the key may not do this (role, project), or the project's quota is used up
  forbidden: 403,
  quota_exceeded: 403,
  // 404
  route_not_found: 404,
  container_not_found: 404,
  snapshot_not_found: 404,
  schedule_not_found: 404,
  operation_not_found: 404,
  storage_not_found: 404,
  not_found: 404,
  copy_dataset_not_found: 404,
  remote_not_found: 404,
  replica_not_found: 404,
  webhook_not_found: 404,
  project_not_found: 404,
  key_not_found: 404,
  // 405 / 413 / 415 / 501: the HTTP protocol itself
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_content_encoding: 415,
  method_not_implemented: 501,
  // 409: busy or conflicting state
  container_busy: 409,
  removed_container_ambiguous: 409,
  container_not_running: 409,
  alias_taken: 409,
  name_taken: 409,
  snapshot_not_ready: 409,
  diff_too_large: 409,
  snapshot_state_conflict: 409,
  nothing_to_capture: 409,
  rootfs_not_on_pool: 409,
  storage_busy: 409,
  docker_conflict: 409,
  nested_datasets: 409,
  dataset_busy: 409,
  dataset_in_use: 409,
  dataset_not_in_place: 409,
  copy_dataset_in_use: 409,
  send_unsupported: 409,
  restore_unsupported: 409,
  replica_exists: 409,
  replica_uploading: 409,
  replica_has_dependents: 409,
  // restore / copy / recovery from a remote
  image_not_found: 409,
  receive_unsupported: 409,
  replica_chain_broken: 409,
  replica_mismatch: 409,
  snapshot_name_taken: 409,
  snapshot_in_use: 409,
  invalid_stream: 409,
  project_exists: 409,
  project_not_empty: 409,
  // 429: too many mutating requests from one key (Retry-After says when to try again)
  rate_limited: 429,
  // 503: a component cowsnap needs is down
  docker_unavailable: 503,
  shutting_down: 503,
  pool_unavailable: 503,
  remote_unavailable: 503,
  // 502: what a remote returned cannot be trusted (altered, cut, another key, missing)
  replica_missing: 502,
  replica_key_mismatch: 502,
  replica_corrupt: 502,
  replica_truncated: 502,
  replica_digest_mismatch: 502,
  replica_format_unknown: 502,
  manifest_invalid: 502,
  // 507
  pool_full: 507,
  // 500: the server failed; the log has the details (search for the request id)
  internal_error: 500,
  storage_failed: 500,
  docker_failed: 500,
  copy_failed: 500,
  restore_undo_failed: 500,
  rootfs_layer_unknown: 500,
  container_not_recorded: 500,
  database_open_failed: 500,
  database_migration_failed: 500,
  database_too_new: 500,
  database_corrupt: 500,
  secret_key_invalid: 500,
  secret_decrypt_failed: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes listed with status S. */
export type ErrorCodeWithStatus<S extends number> = { [K in ErrorCode]: (typeof ERROR_CODES)[K] extends S ? K : never }[ErrorCode];

/**
 * Codes only a background operation's `error` carries (GET /operations/:id, operation events): the failure
 * happens after the request was answered, so no HTTP status goes with them. Every other operation error
 * is an API error's code.
 */
export const OPERATION_ONLY_ERROR_CODES = ['operation_interrupted', 'snapshot_gone', 'remote_not_configured', 'replica_send_failed', 'replica_upload_failed'] as const;

export type OperationErrorCode = ErrorCode | (typeof OPERATION_ONLY_ERROR_CODES)[number];
