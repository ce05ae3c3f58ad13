/**
 * The embedded run store: one SQLite file (better-sqlite3), WAL mode so readers
 * (`tlorc runs list` in another process) never block the server writing events,
 * prepared statements throughout, and one transaction per event batch.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TlorcError } from '../errors/index.js';
import type { RunStatus } from '../runners/types.js';
import type { ListQuery, NewRun, RunPage, RunPatch, RunRecord, RunStore, StoredEvent } from './types.js';

const SCHEMA_VERSION = 2;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE runs (
      n            INTEGER PRIMARY KEY AUTOINCREMENT,
      id           TEXT NOT NULL UNIQUE,
      name         TEXT NOT NULL,
      status       TEXT NOT NULL,
      runner       TEXT NOT NULL,
      spec         TEXT NOT NULL,
      run_dir      TEXT NOT NULL,
      created_at   TEXT NOT NULL,
      started_at   TEXT,
      ended_at     TEXT,
      final        TEXT,
      error        TEXT,
      pid          INTEGER,
      container_id TEXT,
      gpus         TEXT,
      gpu_request  INTEGER NOT NULL DEFAULT 0,
      launch       TEXT,
      last_seq     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_status ON runs (status, n);
    CREATE TABLE events (
      run_id TEXT NOT NULL,
      seq    INTEGER NOT NULL,
      type   TEXT NOT NULL,
      json   TEXT NOT NULL,
      PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  2: `
    ALTER TABLE runs ADD COLUMN owner TEXT;
  `,
};

interface RunRow {
  n: number;
  id: string;
  name: string;
  status: string;
  runner: string;
  spec: string;
  run_dir: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  final: string | null;
  error: string | null;
  pid: number | null;
  container_id: string | null;
  gpus: string | null;
  gpu_request: number;
  launch: string | null;
  last_seq: number;
  owner: string | null;
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name,
    status: r.status as RunStatus,
    runner: r.runner as RunRecord['runner'],
    spec: JSON.parse(r.spec) as Record<string, unknown>,
    runDir: r.run_dir,
    createdAt: r.created_at,
    ...(r.started_at ? { startedAt: r.started_at } : {}),
    ...(r.ended_at ? { endedAt: r.ended_at } : {}),
    ...(r.final ? { final: JSON.parse(r.final) } : {}),
    ...(r.error ? { error: JSON.parse(r.error) } : {}),
    ...(r.pid !== null ? { pid: r.pid } : {}),
    ...(r.container_id ? { containerId: r.container_id } : {}),
    ...(r.gpus ? { gpus: JSON.parse(r.gpus) } : {}),
    gpuRequest: r.gpu_request,
    lastSeq: r.last_seq,
    ...(r.launch ? { launch: JSON.parse(r.launch) } : {}),
    ...(r.owner ? { owner: JSON.parse(r.owner) } : {}),
  };
}

const encodeCursor = (n: number): string => Buffer.from(`n:${n}`).toString('base64url');
function decodeCursor(c: string): number {
  const m = /^n:(\d+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) throw new TlorcError('TLORC_API_BAD_REQUEST', `Invalid cursor "${c.slice(0, 40)}".`, { hint: 'Pass the nextCursor of a previous page unchanged.' });
  return Number(m[1]);
}

const PATCH_COLUMNS: Record<keyof RunPatch, string> = {
  status: 'status',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  final: 'final',
  error: 'error',
  pid: 'pid',
  containerId: 'container_id',
  gpus: 'gpus',
  launch: 'launch',
  owner: 'owner',
};
const JSON_FIELDS = new Set<keyof RunPatch>(['final', 'error', 'gpus', 'launch', 'owner']);

export interface SqliteStoreOptions {
  /** Open read-only (the CLI reading a store a server owns). */
  readonly?: boolean;
}

export class SqliteRunStore implements RunStore {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteRunStore['prepare']>;
  private readonly insertBatch: (runId: string, events: readonly StoredEvent[]) => number;
  private readonly patchCache = new Map<string, Database.Statement>();

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.location = file;
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    this.db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a crash of tlorc; only an OS crash can lose the last
      // transactions, and the run directory's events file is the durable record for those.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    }
    this.stmt = this.prepare();
    this.insertBatch = this.db.transaction((runId: string, events: readonly StoredEvent[]) => {
      let added = 0;
      let last = 0;
      for (const e of events) {
        added += this.stmt.insertEvent.run(runId, e.seq, e.type, e.json).changes;
        if (e.seq > last) last = e.seq;
      }
      if (last > 0) this.stmt.bumpSeq.run(last, runId);
      return added;
    });
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION)
      throw new TlorcError('TLORC_INTERNAL', `The run store ${this.location} was written by a newer tlorc (schema ${current} > ${SCHEMA_VERSION}).`, {
        hint: 'Upgrade tlorc, or point TLORC_HOME at another directory.',
      });
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v}`);
      })();
    }
  }

  private prepare() {
    const db = this.db;
    return {
      insertRun: db.prepare(
        `INSERT INTO runs (id, name, status, runner, spec, run_dir, created_at, started_at, ended_at, final, error, pid, container_id, gpus, gpu_request, launch, owner)
         VALUES (@id, @name, @status, @runner, @spec, @run_dir, @created_at, @started_at, @ended_at, @final, @error, @pid, @container_id, @gpus, @gpu_request, @launch, @owner)`,
      ),
      getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
      insertEvent: db.prepare('INSERT OR IGNORE INTO events (run_id, seq, type, json) VALUES (?, ?, ?, ?)'),
      bumpSeq: db.prepare('UPDATE runs SET last_seq = max(last_seq, ?) WHERE id = ?'),
      eventsAfter: db.prepare('SELECT seq, type, json FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
    };
  }

  createRun(run: NewRun): RunRecord {
    try {
      this.stmt.insertRun.run({
        id: run.id,
        name: run.name,
        status: run.status ?? 'queued',
        runner: run.runner,
        spec: JSON.stringify(run.spec),
        run_dir: run.runDir,
        created_at: run.createdAt,
        started_at: run.startedAt ?? null,
        ended_at: run.endedAt ?? null,
        final: json(run.final),
        error: json(run.error),
        pid: run.pid ?? null,
        container_id: run.containerId ?? null,
        gpus: json(run.gpus),
        gpu_request: run.gpuRequest,
        launch: json(run.launch),
        owner: json(run.owner),
      });
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new TlorcError('TLORC_RUN_DIR_EXISTS', `A run with id ${run.id} already exists.`, { cause: e });
      throw e;
    }
    return this.getRun(run.id)!;
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.stmt.getRun.get(id) as RunRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  updateRun(id: string, patch: RunPatch): RunRecord {
    const keys = (Object.keys(patch) as (keyof RunPatch)[]).filter((k) => k in PATCH_COLUMNS).sort();
    if (keys.length > 0) {
      const sig = keys.join(',');
      let stmt = this.patchCache.get(sig);
      if (!stmt) {
        stmt = this.db.prepare(`UPDATE runs SET ${keys.map((k) => `${PATCH_COLUMNS[k]} = @${k}`).join(', ')} WHERE id = @id`);
        this.patchCache.set(sig, stmt);
      }
      const params: Record<string, unknown> = { id };
      for (const k of keys) params[k] = JSON_FIELDS.has(k) ? json(patch[k]) : (patch[k] ?? null);
      const r = stmt.run(params);
      if (r.changes === 0) throw new TlorcError('TLORC_RUN_NOT_FOUND', `No run with id ${id}.`);
    }
    const rec = this.getRun(id);
    if (!rec) throw new TlorcError('TLORC_RUN_NOT_FOUND', `No run with id ${id}.`);
    return rec;
  }

  listRuns(query: ListQuery = {}): RunPage {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), 500);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status?.length) {
      where.push(`status IN (${query.status.map(() => '?').join(', ')})`);
      params.push(...query.status);
    }
    const countSql = `SELECT count(*) AS c FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const total = (this.cachedPrepare(countSql).get(...params) as { c: number }).c;
    if (query.cursor) {
      where.push('n < ?');
      params.push(decodeCursor(query.cursor));
    }
    const sql = `SELECT * FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY n DESC LIMIT ?`;
    const rows = this.cachedPrepare(sql).all(...params, limit + 1) as RunRow[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return { runs: page.map(toRecord), total, ...(more ? { nextCursor: encodeCursor(page[page.length - 1]!.n) } : {}) };
  }

  runsWithStatus(status: readonly RunStatus[]): RunRecord[] {
    if (status.length === 0) return [];
    const sql = `SELECT * FROM runs WHERE status IN (${status.map(() => '?').join(', ')}) ORDER BY n`;
    return (this.cachedPrepare(sql).all(...status) as RunRow[]).map(toRecord);
  }

  appendEvents(runId: string, events: readonly StoredEvent[]): number {
    if (events.length === 0) return 0;
    return this.insertBatch(runId, events);
  }

  eventsAfter(runId: string, afterSeq: number, limit = 1000): StoredEvent[] {
    return this.stmt.eventsAfter.all(runId, afterSeq, limit) as StoredEvent[];
  }

  getMeta(key: string): string | undefined {
    return (this.stmt.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string | undefined): void {
    if (value === undefined) this.stmt.deleteMeta.run(key);
    else this.stmt.setMeta.run(key, value);
  }

  updateMeta(key: string, update: (current: string | undefined) => string | undefined): void {
    // IMMEDIATE: the write lock is taken before the read, so no other connection reads in between
    this.db.transaction(() => this.setMeta(key, update(this.getMeta(key)))).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private cachedPrepare(sql: string): Database.Statement {
    let s = this.patchCache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.patchCache.set(sql, s);
    }
    return s;
  }
}
