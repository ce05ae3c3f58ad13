/**
 * The remote SDK: the same run handle as a local run (iterate events, await the result,
 * cancel), backed by a tlorc server. The event stream reconnects after a dropped
 * connection with Last-Event-ID = the last seq seen, so no event is lost or repeated;
 * it gives up (TLORC_SERVER_UNREACHABLE) only after `giveUpAfterMs` without progress.
 *
 *   const client = new TlorcClient({ server: 'http://127.0.0.1:7878', token });
 *   const handle = await client.submit('spec.yaml');
 *   for await (const e of handle) console.log(e.type);
 *   const result = await handle.result;
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { applyUnsets } from '../spec/overrides.js';
import { ERRORS, type ErrorCode } from '../errors/catalog.js';
import { TlorcError, type ErrorBody } from '../errors/index.js';
import { isTerminal, type EventOf, type TlorcEvent } from '../events/protocol.js';
import type { RunHandle, RunnerKind, RunResult, RunStatus } from '../runners/types.js';
import { SseParser } from './sse.js';

export interface ClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:7878 (default TLORC_SERVER). */
  server?: string;
  /** Bearer token (default TLORC_TOKEN). */
  token?: string;
  /** First reconnect delay (the server's `retry:` wins when larger). Default 250 ms. */
  reconnectDelayMs?: number;
  /** Longest reconnect delay. Default 5000 ms. */
  maxReconnectDelayMs?: number;
  /** Give up reconnecting after this long without receiving anything. Default 5 min. */
  giveUpAfterMs?: number;
  /** Treat an event stream silent for this long (no event, no heartbeat) as dropped. Default 60 s. */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** A run as the server shows it (GET /v1/runs/:id). */
export interface RemoteRun {
  id: string;
  name: string;
  status: RunStatus;
  runner: RunnerKind;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  final?: RunResult['final'];
  error?: ErrorBody;
  gpus?: string[];
  gpuRequest: number;
  lastSeq: number;
  queuePosition?: number;
  spec?: Record<string, unknown>;
  runDir?: string;
}

export interface RunPage {
  runs: RemoteRun[];
  total: number;
  nextCursor?: string;
}

/** A spec for the server: a file path (its text is sent), YAML/JSON text, or an object. */
export type RemoteSpec = string | { file: string } | { text: string } | { spec: Record<string, unknown> } | Record<string, unknown>;

export interface SubmitOptions {
  overrides?: readonly string[];
  /** Fields to remove before sending (applied here: the spec goes to the server without them). */
  unset?: readonly string[];
  runner?: RunnerKind;
}

/** The spec body to send, with `unset` fields removed (text is parsed as YAML first). */
function bodyWithout(spec: RemoteSpec, unset: readonly string[] | undefined): string | Record<string, unknown> {
  const body = specBody(spec);
  if (!unset?.length) return body;
  const value = typeof body === 'string' ? (parseYaml(body) as unknown) : body;
  return applyUnsets(value, unset) as Record<string, unknown>;
}

export interface FollowOptions {
  /** Only events with seq > after. */
  after?: number;
  signal?: AbortSignal;
}

const FINAL: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** The body of every spec route: the spec (unsets applied here, as the CLI does) and the overrides. */
const specRequest = (spec: RemoteSpec, options: SubmitOptions) => ({
  spec: bodyWithout(spec, options.unset),
  ...(options.overrides?.length ? { overrides: [...options.overrides] } : {}),
});

function specBody(spec: RemoteSpec): string | Record<string, unknown> {
  if (typeof spec === 'string') {
    try {
      return readFileSync(spec, 'utf8');
    } catch (e) {
      throw new TlorcError('TLORC_SPEC_NOT_FOUND', `Spec file not found: ${spec}`, { cause: e });
    }
  }
  if ('file' in spec && typeof spec.file === 'string' && Object.keys(spec).length === 1) return specBody(spec.file);
  if ('text' in spec && typeof spec.text === 'string') return spec.text;
  if ('spec' in spec && typeof spec.spec === 'object' && spec.spec !== null && !('apiVersion' in spec)) return spec.spec as Record<string, unknown>;
  return spec;
}

/** Errors that reconnecting cannot fix. */
const isFinalError = (e: unknown): boolean => e instanceof TlorcError && e.code !== 'TLORC_SERVER_UNREACHABLE' && e.httpStatus < 500;

export class TlorcClient {
  readonly server: string;
  private readonly token: string | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly opts: Required<Pick<ClientOptions, 'reconnectDelayMs' | 'maxReconnectDelayMs' | 'giveUpAfterMs' | 'idleTimeoutMs'>>;

  constructor(options: ClientOptions = {}) {
    const server = options.server ?? process.env.TLORC_SERVER;
    if (!server) throw new TlorcError('TLORC_SERVER_UNREACHABLE', 'No server given.', { hint: 'Pass --server URL or set TLORC_SERVER.' });
    let url: URL;
    try {
      url = new URL(server);
    } catch (e) {
      throw new TlorcError('TLORC_SERVER_UNREACHABLE', `Not a server URL: ${server}`, { cause: e, hint: 'Use e.g. http://127.0.0.1:7878.' });
    }
    this.server = url.toString().replace(/\/+$/, '');
    this.token = options.token ?? process.env.TLORC_TOKEN ?? undefined;
    this.fetchFn = options.fetch ?? fetch;
    this.opts = {
      reconnectDelayMs: options.reconnectDelayMs ?? 250,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5000,
      giveUpAfterMs: options.giveUpAfterMs ?? 5 * 60_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    };
  }

  private async raw(path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...(init.headers ?? {}) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    try {
      return await this.fetchFn(`${this.server}/v1${path}`, { ...init, headers });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new TlorcError('TLORC_SERVER_UNREACHABLE', `Cannot reach the tlorc server at ${this.server}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, { cause: e });
    }
  }

  /** A non-2xx answer as the TlorcError the server described. */
  private async failure(res: Response): Promise<TlorcError> {
    let body: Partial<ErrorBody> = {};
    try {
      body = (await res.json()) as Partial<ErrorBody>;
    } catch {
      /* not our error shape (a proxy?) */
    }
    const code: ErrorCode = body.code && body.code in ERRORS ? body.code : res.status === 401 ? 'TLORC_API_UNAUTHORIZED' : res.status >= 500 ? 'TLORC_SERVER_UNREACHABLE' : 'TLORC_API_BAD_REQUEST';
    return new TlorcError(code, body.message ?? `The server answered ${res.status} ${res.statusText}.`, {
      ...(body.hint ? { hint: body.hint } : {}),
      ...(body.path ? { path: body.path } : {}),
      ...(body.issues ? { issues: body.issues } : {}),
      details: { ...(body.details ?? {}), status: res.status },
    });
  }

  private async json<T>(path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}): Promise<T> {
    const res = await this.raw(path, init);
    if (!res.ok) throw await this.failure(res);
    return (await res.json()) as T;
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  health(): Promise<{ status: 'ok'; version: string }> {
    return this.json('/healthz');
  }

  ready(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> }> {
    return this.json('/readyz');
  }

  /** Submit a spec; returns a handle on the queued run. */
  async submit(spec: RemoteSpec, options: SubmitOptions = {}): Promise<RemoteRunHandle> {
    const run = await this.post<RemoteRun>('/runs', { ...specRequest(spec, options), ...(options.runner ? { runner: options.runner } : {}) });
    return new RemoteRunHandle(this, run);
  }

  /** A handle on an existing run. */
  async attach(runId: string): Promise<RemoteRunHandle> {
    return new RemoteRunHandle(this, await this.getRun(runId));
  }

  getRun(runId: string): Promise<RemoteRun> {
    return this.json(`/runs/${encodeURIComponent(runId)}`);
  }

  listRuns(query: { status?: RunStatus | RunStatus[]; limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const q = new URLSearchParams();
    if (query.status) q.set('status', ([] as RunStatus[]).concat(query.status).join(','));
    if (query.limit) q.set('limit', String(query.limit));
    if (query.cursor) q.set('cursor', query.cursor);
    const s = q.toString();
    return this.json(`/runs${s ? `?${s}` : ''}`);
  }

  cancel(runId: string, reason?: string): Promise<RemoteRun> {
    return this.post(`/runs/${encodeURIComponent(runId)}/cancel`, reason ? { reason } : {});
  }

  validate(spec: RemoteSpec, options: SubmitOptions = {}): Promise<Record<string, unknown>> {
    return this.post('/validate', specRequest(spec, options));
  }

  generate(spec: RemoteSpec, options: SubmitOptions = {}): Promise<{ entry: string; files: Record<string, string> }> {
    return this.post('/generate', specRequest(spec, options));
  }

  catalog(): Promise<Record<string, unknown>[]> {
    return this.json('/catalog');
  }

  schema(): Promise<Record<string, unknown>> {
    return this.json('/schema');
  }

  artifacts(runId: string): Promise<{ runId: string; files: { path: string; size: number; modifiedAt: string }[] }> {
    return this.json(`/runs/${encodeURIComponent(runId)}/artifacts`);
  }

  /** Download one artifact (the response body streams it). */
  async download(runId: string, file: string): Promise<Response> {
    const res = await this.raw(`/runs/${encodeURIComponent(runId)}/artifacts/${file.split('/').map(encodeURIComponent).join('/')}`, { headers: { accept: '*/*' } });
    if (!res.ok) throw await this.failure(res);
    return res;
  }

  /**
   * A run's events from seq > after, reconnecting after a dropped connection with
   * Last-Event-ID; ends after the terminal event. Each event is yielded exactly once.
   */
  async *followEvents(runId: string, options: FollowOptions = {}): AsyncGenerator<TlorcEvent> {
    let last = options.after ?? 0;
    let delay = this.opts.reconnectDelayMs;
    let lastProgress = Date.now();
    let lastError: unknown;
    for (;;) {
      if (options.signal?.aborted) return;
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let idle: NodeJS.Timeout | undefined;
      const touch = () => {
        lastProgress = Date.now();
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => ac.abort(), this.opts.idleTimeoutMs);
      };
      const parser = new SseParser();
      let finished = false;
      try {
        const res = await this.raw(`/runs/${encodeURIComponent(runId)}/events`, {
          headers: { accept: 'text/event-stream', ...(last > 0 ? { 'last-event-id': String(last) } : {}) },
          signal: ac.signal,
        });
        if (!res.ok) throw await this.failure(res);
        if (!res.body) throw new TlorcError('TLORC_SERVER_UNREACHABLE', 'The event stream has no body.');
        touch();
        const decoder = new TextDecoder();
        read: for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          touch();
          for (const ev of parser.push(decoder.decode(chunk, { stream: true }))) {
            if (ev.event === 'end') {
              finished = true;
              break read;
            }
            if (ev.event !== 'message') continue;
            const e = JSON.parse(ev.data) as TlorcEvent;
            if (e.seq <= last) continue; // never repeat an event
            last = e.seq;
            delay = this.opts.reconnectDelayMs;
            yield e;
            if (isTerminal(e)) {
              finished = true;
              break read;
            }
          }
        }
      } catch (e) {
        if (options.signal?.aborted) return;
        if (isFinalError(e)) throw e;
        lastError = e;
      } finally {
        if (idle) clearTimeout(idle);
        options.signal?.removeEventListener('abort', onAbort);
        ac.abort();
      }
      if (finished) return;
      // the stream dropped (or the server is restarting): resume after the last seq we saw
      if (Date.now() - lastProgress > this.opts.giveUpAfterMs)
        throw lastError instanceof TlorcError
          ? lastError
          : new TlorcError('TLORC_SERVER_UNREACHABLE', `Lost the event stream of run ${runId} at seq ${last} and could not reconnect.`, { cause: lastError });
      await sleep(Math.max(delay, parser.retry ?? 0), options.signal);
      delay = Math.min(delay * 2, this.opts.maxReconnectDelayMs);
    }
  }
}

/** A run on a server, with the RunHandle shape of a local run. */
export class RemoteRunHandle implements RunHandle {
  readonly runId: string;
  readonly runDir: string;
  readonly runner: RunnerKind;
  private readonly buffered: TlorcEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private done = false;
  private failure: unknown;
  private resultPromise: Promise<RunResult> | undefined;

  constructor(
    private readonly client: TlorcClient,
    readonly run: RemoteRun,
  ) {
    this.runId = run.id;
    this.runDir = run.runDir ?? '';
    this.runner = run.runner;
  }

  /** One stream per handle, started on first use; every iterator replays it from the first event. */
  private start(): Promise<RunResult> {
    if (this.resultPromise) return this.resultPromise;
    const wake = () => {
      for (const w of [...this.waiters]) w();
    };
    const pump = (async () => {
      try {
        for await (const e of this.client.followEvents(this.runId)) {
          this.buffered.push(e);
          wake();
        }
      } catch (e) {
        this.failure = e;
        throw e;
      } finally {
        this.done = true;
        wake();
      }
    })();
    this.resultPromise = pump.then(() => this.finalResult());
    this.resultPromise.catch(() => {}); // rejected only when the server stays unreachable; awaiting callers see it
    return this.resultPromise;
  }

  private async finalResult(): Promise<RunResult> {
    const terminal = this.buffered.findLast((e) => isTerminal(e));
    let run: RemoteRun | undefined;
    // the terminal event is stored just before the run's final status: wait for it briefly
    for (let i = 0; i < 100; i++) {
      run = await this.client.getRun(this.runId);
      if (FINAL.includes(run.status)) break;
      await sleep(50);
    }
    const completed = this.buffered.find((e): e is EventOf<'completed'> => e.type === 'completed');
    const status = (run && FINAL.includes(run.status) ? run.status : (terminal?.type ?? 'failed')) as RunResult['status'];
    const start = run?.startedAt ? Date.parse(run.startedAt) : NaN;
    const end = run?.endedAt ? Date.parse(run.endedAt) : NaN;
    return {
      runId: this.runId,
      status,
      runDir: run?.runDir ?? this.runDir,
      durationS: Number.isFinite(start) && Number.isFinite(end) ? (end - start) / 1000 : (completed?.duration_s ?? 0),
      ...(run?.final ? { final: run.final } : completed ? { final: completed.final } : {}),
      ...(completed ? { epochsRun: completed.epochs_run } : {}),
      ...(completed?.model_path ? { modelPath: completed.model_path } : {}),
      ...(run?.error && status !== 'completed' ? { error: run.error } : {}),
    };
  }

  get result(): Promise<RunResult> {
    return this.start();
  }

  events(): AsyncIterable<TlorcEvent> {
    return { [Symbol.asyncIterator]: () => this[Symbol.asyncIterator]() };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TlorcEvent> {
    void this.start();
    let i = 0;
    for (;;) {
      while (i < this.buffered.length) yield this.buffered[i++]!;
      if (this.done) {
        if (this.failure) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => {
        const w = () => {
          this.waiters.delete(w);
          resolve();
        };
        this.waiters.add(w);
      });
    }
  }

  /** Ask the server to cancel; resolves when the run has ended. */
  async cancel(reason = 'cancelled by user'): Promise<void> {
    try {
      await this.client.cancel(this.runId, reason);
    } catch (e) {
      if (!(e instanceof TlorcError && e.code === 'TLORC_RUN_NOT_CANCELLABLE')) throw e;
    }
    await this.start().catch(() => {});
  }
}

/** Submit a spec to a server and get the handle: the remote twin of the SDK's `run`. */
export function runRemote(spec: RemoteSpec, options: SubmitOptions & ClientOptions = {}): Promise<RemoteRunHandle> {
  return new TlorcClient(options).submit(spec, options);
}
