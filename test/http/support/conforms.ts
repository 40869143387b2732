/** Checks a response body against the envelope + data schema the OpenAPI document publishes for it. */
import assert from 'node:assert/strict';
import { envelopeSchema } from '../../../src/http/schemas/response-schemas.js';
import { createAjv } from '../../../src/http/validation.js';

const ajv = createAjv();

export function assertConforms(body: unknown, dataSchema: object): void {
  const validate = ajv.compile(envelopeSchema(dataSchema));
  assert.ok(validate(body), `response does not match its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body, null, 1)}`);
}
