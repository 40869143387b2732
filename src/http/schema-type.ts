/**
 * The TypeScript type of the values a JSON schema accepts, derived from the schema object itself (declared
 * `as const`), so a route's handler, the ajv validator and the OpenAPI document share one source.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/**
 * Properties with a `default` come out required: ajv's useDefaults fills them in before a handler runs.
 * Anything that is not a literal schema (a plain `object`) stays `unknown`.
 */
export type SchemaType<Schema> = Schema extends JSONSchema ? FromSchema<Schema> : unknown;
