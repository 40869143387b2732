/**
 * Start-up wiring: the database file and the key file (kept apart, so a copy of the database alone
 * reveals no secrets) become one ready CowsnapStore.
 */
import type { Clock } from '../core/clock.js';
import { CowsnapStore } from './cowsnap-store.js';
import { openDatabase, type Database } from './database.js';
import { loadOrCreateKey, SecretBox } from './secret-box.js';

export interface OpenedStore {
  readonly store: CowsnapStore;
  readonly db: Database;
  /** Seals secrets other stores keep (webhook secrets) with the same key file. */
  readonly secrets: SecretBox;
  /** Closes the database; call once at shutdown. */
  close(): void;
}

export function openStore(options: { databasePath: string; keyFile: string; clock?: Clock }): OpenedStore {
  // The key first: a bad key file should stop start-up before anything touches the database.
  const secrets = new SecretBox(loadOrCreateKey(options.keyFile));
  const db = openDatabase(options.databasePath);
  const store = new CowsnapStore(db, secrets, options.clock);
  return {
    store,
    db,
    secrets,
    close: () => {
      if (db.open) db.close();
    },
  };
}
