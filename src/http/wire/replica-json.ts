/** Replica and operation JSON of the API, derived from their response schemas (see snapshot-json.ts). */
import type { SchemaType } from '../schema-type.js';
import type { operationSchema, replicaSchema } from '../schemas/replica-schemas.js';

export type ReplicaJson = SchemaType<typeof replicaSchema>;
export type OperationJson = SchemaType<typeof operationSchema>;
