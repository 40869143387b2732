import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aliasTemplateProblems, MAX_SUFFIX_TRIES, renderAliasTemplate, withSuffix } from '../../src/core/alias-template.js';

describe('alias templates', () => {
  it('renders {date}, {time} in the time zone and {n}', () => {
    const at = new Date('2026-12-31T23:30:05Z');
    assert.equal(renderAliasTemplate('daily-backup-{date}', { at, timezone: 'UTC', run: 1 }), 'daily-backup-2026-12-31');
    assert.equal(renderAliasTemplate('{date}T{time}#{n}', { at, timezone: 'Europe/Berlin', run: 42 }), '2027-01-01T003005#42');
  });

  it('lists each problem of a bad template', () => {
    assert.deepEqual(aliasTemplateProblems('ok-{date}-{time}-{n}'), []);
    assert.match(aliasTemplateProblems('x-{week}').join(), /unknown placeholder \{week\}/);
    assert.match(aliasTemplateProblems('x-{date').join(), /unmatched "\{"/);
    assert.match(aliasTemplateProblems('x}').join(), /unmatched "\}"/);
    assert.match(aliasTemplateProblems(' x').join(), /printable/);
    assert.match(aliasTemplateProblems('a\nb').join(), /printable/);
    assert.match(aliasTemplateProblems(`${'x'.repeat(88)}-{date}`).join(), /can expand to 99 characters/);
  });

  it('adds -2, -3, ... to a taken alias', () => {
    const taken = new Set(['b', 'b-2']);
    assert.equal(withSuffix('a', (c) => taken.has(c)), 'a');
    assert.equal(withSuffix('b', (c) => taken.has(c)), 'b-3');
  });

  it('defect-10 a suffix never pushes an alias past 100 characters', () => {
    const long = 'x'.repeat(97);
    const taken = new Set([long, ...Array.from({ length: 150 }, (_, i) => `${long}-${i + 2}`.slice(0, 100))]);
    const free = withSuffix(long, (c) => taken.has(c) || Array.from(c).length > 100);
    assert.ok(free !== null);
    assert.ok(Array.from(free).length <= 100, `${free} is ${free.length} characters`);
    assert.match(free, /-\d{2,}$/);
  });

  it('defect-10 the suffix search is bounded: gives up (no alias) after MAX_SUFFIX_TRIES candidates', () => {
    let asked = 0;
    const result = withSuffix('daily', () => {
      asked += 1;
      return true;
    });
    assert.equal(result, null);
    assert.equal(asked, MAX_SUFFIX_TRIES);
  });
});
