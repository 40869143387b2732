/**
 * ajv's raw messages ("must NOT have more than 100 characters") turned into sentences an operator can act
 * on, each with the path of the field it is about ("/body/alias", "/query/limit").
 */
import type { ErrorObject } from 'ajv';
import type { ErrorDetail } from '../errors/app-error.js';
import { aliasProblem, printableTextProblem } from '../core/alias-rules.js';
import { ALIAS_FORMAT, PRINTABLE_TEXT_FORMAT } from './schemas/common-schemas.js';
import { aliasTemplateProblems } from '../core/alias-template.js';
import { ALIAS_TEMPLATE_FORMAT, SCHEDULE_FORMATS } from './schemas/schedule-schemas.js';

/** Patterns whose regex means nothing to a reader, explained in words. */
const PATTERN_SENTENCES: Record<string, string> = {
  '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$': 'must be a container id, id prefix or name: letters, digits, "_", "." and "-", starting with a letter or digit',
  '^[a-zA-Z0-9][a-zA-Z0-9_.-]+$': 'must be a container name: letters, digits, "_", "." and "-", starting with a letter or digit',
  '^(api|safety|schedule|schedule:[A-Za-z0-9_.-]{1,64})$': 'must be "api", "safety", "schedule" or "schedule:<id>"',
};

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the fraction ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** ajv's maxLength counts code points, so the figure shown must too. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function sentence(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties': {
      const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(schema?.properties ?? {});
      return known.length === 0 ? 'is not an accepted field' : `is not an accepted field (accepted: ${known.join(', ')})`;
    }
    case 'type': {
      const types = String(params['type']).split(',').map((t) => TYPE_WORDS[t] ?? t);
      return `must be ${types.join(' or ')}, not ${describeValue(error.data)}`;
    }
    case 'minimum':
      return `must be at least ${String(params['limit'])}, not ${String(error.data)}`;
    case 'maximum':
      return `must be at most ${String(params['limit'])}, not ${String(error.data)}`;
    case 'minLength':
      return `must be at least ${plural(Number(params['limit']), 'character')} long`;
    case 'maxLength':
      return `must be at most ${plural(Number(params['limit']), 'character')} long (got ${codePoints(String(error.data))})`;
    case 'format': {
      // The text rules say which one the value broke.
      if (params['format'] === PRINTABLE_TEXT_FORMAT) return printableTextProblem(String(error.data)) ?? 'must be printable text';
      if (params['format'] === ALIAS_FORMAT) return aliasProblem(String(error.data)) ?? 'is not a valid alias';
      const known = SCHEDULE_FORMATS.find((f) => f.name === params['format']);
      if (params['format'] === ALIAS_TEMPLATE_FORMAT && known !== undefined) return [known.sentence, ...aliasTemplateProblems(String(error.data))].join('; ');
      return known?.sentence ?? `must be a valid ${String(params['format'])}`;
    }
    case 'pattern':
      return PATTERN_SENTENCES[String(params['pattern'])] ?? `must match the pattern ${String(params['pattern'])}`;
    case 'enum':
      return `must be one of: ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'maxItems':
      return `must have at most ${plural(Number(params['limit']), 'item')} (got ${(error.data as unknown[]).length})`;
    case 'minItems':
      return `must have at least ${plural(Number(params['limit']), 'item')}`;
    case 'uniqueItems': {
      const [first, second] = [Number(params['i']), Number(params['j'])].sort((a, b) => a - b);
      return `must not contain duplicates (items ${String(first)} and ${String(second)} are equal)`;
    }
    case 'minProperties': {
      const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      return `must contain at least one of: ${Object.keys(schema?.properties ?? {}).join(', ')}`;
    }
    default:
      return error.message ?? 'is invalid';
  }
}

/** One detail per problem; `prefix` says which part of the request ("/body", "/query", "/params"). */
export function toErrorDetails(errors: readonly ErrorObject[], prefix: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    let path = `${prefix}${error.instancePath}`;
    if (error.keyword === 'required') path += `/${String(error.params['missingProperty'])}`;
    if (error.keyword === 'additionalProperties') path += `/${String(error.params['additionalProperty'])}`;
    const message = sentence(error);
    // A value failing "type" for a union can be reported once per branch; say it once.
    if (!details.some((d) => d.path === path && d.message === message)) details.push({ path, message });
  }
  return details;
}
