/**
 * The snapshot JSON of the API, as types derived from the response schemas the OpenAPI document publishes:
 * the serializers must produce them and the CLI and tests read them, so none of the three can drift.
 * Type-only (`import type`): importing this pulls no server code into the CLI.
 */
import type { SchemaType } from '../schema-type.js';
import type { restoreResultSchema, snapshotListSchema, snapshotResultSchema, snapshotSchema } from '../schemas/response-schemas.js';

export type SnapshotJson = SchemaType<typeof snapshotSchema>;
/** `data` of create, get, update and delete. */
export type SnapshotResultJson = SchemaType<typeof snapshotResultSchema>;
/** `data` of the list. */
export type SnapshotListJson = SchemaType<typeof snapshotListSchema>;
/** `data` of a restore that ran in the request. */
export type RestoreResultJson = SchemaType<typeof restoreResultSchema>;
