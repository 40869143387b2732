/** Container JSON of the API (GET /containers[/:container]), derived from its response schemas (see snapshot-json.ts). */
import type { SchemaType } from '../schema-type.js';
import type { captureEntrySchema, containerListSchema, containerResultSchema, containerSchema } from '../schemas/response-schemas.js';

export type ContainerJson = SchemaType<typeof containerSchema>;
export type CaptureEntryJson = SchemaType<typeof captureEntrySchema>;
export type ContainerListJson = SchemaType<typeof containerListSchema>;
export type ContainerResultJson = SchemaType<typeof containerResultSchema>;
