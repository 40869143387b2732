/**
 * Request validation: one ajv instance, every schema compiled once when the app is built, all problems
 * collected (params, query and body together) into a single 400.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorDetail } from '../errors/app-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { toErrorDetails } from './ajv-messages.js';
import { aliasProblem, printableTextProblem } from '../core/alias-rules.js';
import { ALIAS_FORMAT, PRINTABLE_TEXT_FORMAT } from './schemas/common-schemas.js';
import { SCHEDULE_FORMATS } from './schemas/schedule-schemas.js';

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`, typed as the module
// object; its `.default` is the same plugin function (`exports.default = formatsPlugin`), typed as such.
const addFormats = addFormatsModule.default;

export interface RequestSchemas {
  readonly params?: object;
  readonly query?: object;
  readonly body?: object;
}

export interface RawRequest {
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
}

export interface ValidatedRequest {
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

export type RequestValidator = (raw: RawRequest) => ValidatedRequest;

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    // Bodies are JSON: "30" is not 30. Query strings are converted by coerceQuery below, carefully.
    coerceTypes: false,
    useDefaults: true,
    allowUnionTypes: true,
    // parentSchema lets messages name the accepted fields.
    verbose: true,
  });
  addFormats(ajv);
  ajv.addFormat(PRINTABLE_TEXT_FORMAT, { type: 'string', validate: (value: string) => printableTextProblem(value) === null });
  ajv.addFormat(ALIAS_FORMAT, { type: 'string', validate: (value: string) => aliasProblem(value) === null });
  for (const format of SCHEDULE_FORMATS) ajv.addFormat(format.name, { type: 'string', validate: format.validate });
  return ajv;
}

/**
 * A whole number written plainly: "10" yes; "1.5", "1e2", "0x10", " 10", "" no. Any length: a huge one
 * becomes a (rounded) number that the schema's maximum then reports as too large.
 */
const PLAIN_INTEGER = /^-?(0|[1-9][0-9]{0,400})$/;

/**
 * Query strings are all text. Only the properties the schema declares as integers are converted, and only
 * when written as plain whole numbers; anything else stays a string so ajv reports it as not a number.
 */
function coerceQuery(query: Record<string, unknown>, schema: object | undefined): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  // fromEntries defines own properties, so "?__proto__=x" stays a key ajv rejects instead of a prototype.
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => {
      const wantsInteger = Object.hasOwn(properties, key) && properties[key]?.type === 'integer';
      return [key, wantsInteger && typeof value === 'string' && PLAIN_INTEGER.test(value) ? Number(value) : value];
    }),
  );
}

function compileOptional(ajv: Ajv2020, schema: object | undefined): ValidateFunction | null {
  return schema === undefined ? null : ajv.compile(schema);
}

export function compileRequestValidator(ajv: Ajv2020, schemas: RequestSchemas): RequestValidator {
  const params = compileOptional(ajv, schemas.params);
  const query = compileOptional(ajv, schemas.query);
  const body = compileOptional(ajv, schemas.body);

  return (raw) => {
    const details: ErrorDetail[] = [];
    const paramsValue = { ...raw.params };
    const queryValue = coerceQuery(raw.query, schemas.query);
    // No body at all means "no options": an empty object, which every body schema accepts (or rejects by minProperties).
    const bodyValue: unknown = raw.body === undefined ? {} : raw.body;

    if (params !== null && !params(paramsValue)) details.push(...toErrorDetails(params.errors ?? [], '/params'));
    if (query !== null && !query(queryValue)) details.push(...toErrorDetails(query.errors ?? [], '/query'));
    else if (query === null && Object.keys(queryValue).length > 0) {
      for (const key of Object.keys(queryValue)) details.push({ path: `/query/${key}`, message: 'is not an accepted query parameter' });
    }
    if (body !== null && !body(bodyValue)) details.push(...toErrorDetails(body.errors ?? [], '/body'));

    if (details.length > 0) throw new ValidationError(details);
    return { params: paramsValue, query: queryValue, body: (bodyValue ?? {}) as Record<string, unknown> };
  };
}
