import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiryText, originLabel, relativeTime, sizeText } from '../src/logic/format.ts';

const NOW = new Date('2026-11-28T09:00:00Z');
const at = (offsetSeconds: number): string => new Date(NOW.getTime() + offsetSeconds * 1000).toISOString();

describe('how the console words times, sizes and origins', () => {
  it('says ages and expiries in the nearest unit, rounding (a 30-day expiry set seconds ago is "in 30 days")', () => {
    assert.equal(relativeTime(at(-3), NOW), 'just now');
    assert.equal(relativeTime(at(-90), NOW), '2 minutes ago');
    assert.equal(relativeTime(at(-3 * 3600), NOW), '3 hours ago');
    assert.equal(relativeTime(at(30 * 86400 - 5), NOW), 'in 30 days');
    assert.equal(relativeTime(at(-59 * 60 - 50), NOW), '1 hour ago');
    assert.equal(relativeTime(at(400 * 86400), NOW), 'next year');
    assert.equal(relativeTime(at(60 * 86400), NOW), 'in 2 months');
  });

  it('says permanent, expires in ..., or expired ... ago', () => {
    assert.equal(expiryText(null, NOW), 'permanent');
    assert.equal(expiryText(at(7 * 86400), NOW), 'expires in 7 days');
    assert.equal(expiryText(at(-7200), NOW), 'expired 2 hours ago');
  });

  it('gives sizes in binary units, and says when the pool reports none', () => {
    assert.equal(sizeText(0), '0 B');
    assert.equal(sizeText(16384), '16 KiB');
    assert.equal(sizeText(1536), '1.5 KiB');
    assert.equal(sizeText(5 * 1024 ** 3), '5.0 GiB');
    assert.equal(sizeText(null), 'size unknown');
  });

  it('labels origins: api, safety, schedule #id', () => {
    assert.equal(originLabel('api'), 'api');
    assert.equal(originLabel('safety'), 'safety');
    assert.equal(originLabel('schedule:12'), 'schedule #12');
  });
});
