/**
 * Shipped migrations never change (migrations.ts: databases in the field have run them). This pins the
 * SQL each shipped migration executes, so refactoring how the text is written (shared fragments) cannot
 * change what runs. A new migration is appended and pinned here once it ships; never edit a digest.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Database } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

const SHIPPED_SQL_SHA256: readonly string[] = [
  '1fdd08cded702f3fb664e3636713f710d745f2a383960ca652577080bc121969', // 1
  'f157b55c4c7359a065110f820072b0b4b4028f638ede8a42ff5343ce1046cfb1', // 2
  '8c59d946707b9ff1c7811cf69adf467cc36a1d1e2aed8e3ffb6363c5621f342f', // 3
  '5a7feb63f95dd2bb10345a0c37ecc7ce26d89cc4d0d37f7ddae1d15baefa1577', // 4
  'bc33d0fdb3e2dabf25ead7880eeefe1fd5921b72d30b26cfb858e2b1a05a913d', // 5
  '982af9cd892567526e04658f89d55a355c15c027870c01db2e8ca077e30ec5f2', // 6
  '991c859fb17af3b79a692e3c68496a4b5aac003101d84a2b1043368d89473284', // 7
  'f493c4071006a277573bc6b299152e872b40184df2d95ccf2dd4ce56a6e7e0c1', // 8
];

/** The SQL text a migration hands to the database, captured without running it. */
function executedSql(index: number): string {
  const migration = MIGRATIONS[index];
  if (migration === undefined) throw new Error(`no migration ${String(index + 1)}`);
  const statements: string[] = [];
  const recorder = {
    exec(sql: string) {
      statements.push(sql);
      return recorder;
    },
  };
  migration.up(recorder as unknown as Database);
  return statements.join('\n;;\n');
}

describe('store: shipped migrations are frozen', () => {
  it('each shipped migration executes exactly the SQL it shipped with', () => {
    const actual = SHIPPED_SQL_SHA256.map((_digest, index) => createHash('sha256').update(executedSql(index)).digest('hex'));
    assert.deepEqual(actual, SHIPPED_SQL_SHA256);
  });
});
