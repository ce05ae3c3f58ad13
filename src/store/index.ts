/** Durable run history: the store contract, its embedded SQLite implementation, the event feed and recorder. */
import path from 'node:path';
import { tlorcHome } from '../python/env.js';
import { SqliteRunStore, type SqliteStoreOptions } from './sqlite.js';
import type { RunStore } from './types.js';

export * from './types.js';
export { SqliteRunStore } from './sqlite.js';
export { EventFeed, type FollowOptions } from './feed.js';
export { recordRun, finishRecord, type RecordOptions, type Recording } from './recorder.js';
export { recordLocalRun, type LocalRecordOptions } from './local-record.js';
export { isAlive, ownedElsewhere, thisProcess } from './owner.js';

/** $TLORC_STORE, else $TLORC_HOME/tlorc.db (TLORC_HOME defaults to ~/.tlorc). */
export const defaultStorePath = (): string => process.env.TLORC_STORE ?? path.join(tlorcHome(), 'tlorc.db');

/** Open the run store (the embedded SQLite one; the only kind today). */
export function openStore(file: string = defaultStorePath(), options: SqliteStoreOptions = {}): RunStore {
  return new SqliteRunStore(file, options);
}
