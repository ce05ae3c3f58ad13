/** `tlorc serve`: the REST API (see docs/server.md). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT } from '../../errors/index.js';
import { collect, wholeNumber } from './common.js';

/** A TCP port: 0 (any free one) to 65535. */
const port = (value: string): string => {
  const v = wholeNumber(0)(value);
  if (Number(v) > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, found "${value}".`);
  return v;
};

interface ServeFlags {
  host: string;
  port: string;
  token?: string;
  concurrency: string;
  gpus?: string;
  dataRoot: string[];
  runsDir?: string;
  store?: string;
  bodyLimit: string;
  logLevel: string;
}

/** "2" -> 2 slots (ids 0,1); "0,2" -> those device ids. */
export function parseGpus(v: string | undefined): number | string[] | undefined {
  if (v === undefined) return undefined;
  return /^\d+$/.test(v) ? Number(v) : v.split(',').map((s) => s.trim()).filter(Boolean);
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the tlorc REST API: submit specs, follow events (SSE), cancel, fetch artifacts')
    .option('--host <host>', 'interface to bind (non-loopback needs a token to be safe)', '127.0.0.1')
    .option('--port <port>', 'port (0: any free one)', port, '7878')
    .option('--token <token>', 'require Authorization: Bearer <token> on every route but health (or TLORC_TOKEN)')
    .option('--concurrency <n>', 'runs executing at once', wholeNumber(1), '1')
    .option('--gpus <n|ids>', 'GPU slots: a count, or device ids like 0,1')
    .option('--data-root <dir>', 'folder specs may read data from (repeatable; default $TLORC_HOME/data)', collect, [])
    .option('--runs-dir <dir>', 'where run folders go (default $TLORC_HOME/runs)')
    .option('--store <file>', 'run store (default $TLORC_HOME/tlorc.db)')
    .option('--body-limit <bytes>', 'largest request body', wholeNumber(1), String(1024 * 1024))
    .addOption(new Option('--log-level <level>', 'request log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .action(async (flags: ServeFlags) => {
      const { startServer } = await import('../../server/index.js');
      const token = flags.token ?? process.env.TLORC_TOKEN;
      if (!token && !LOOPBACK.includes(flags.host))
        process.stderr.write(`tlorc: warning: binding ${flags.host} without a token: anyone who can reach this port can submit runs. Set --token or TLORC_TOKEN.\n`);
      const server = await startServer({
        host: flags.host,
        port: Number(flags.port),
        ...(token ? { token } : {}),
        concurrency: Number(flags.concurrency),
        ...(flags.gpus !== undefined ? { gpus: parseGpus(flags.gpus)! } : {}),
        ...(flags.dataRoot.length ? { dataRoots: flags.dataRoot } : {}),
        ...(flags.runsDir ? { runsDir: flags.runsDir } : {}),
        ...(flags.store ? { store: flags.store } : {}),
        bodyLimit: Number(flags.bodyLimit),
        logger: { level: flags.logLevel },
      });
      const c = server.ctx.config;
      const { envIsCurrent } = await import('../../python/env.js');
      if (!process.env.TLORC_PYTHON && !envIsCurrent())
        process.stderr.write('tlorc: note: the Python environment is not set up yet; the first local run builds it (several minutes). Run `tlorc setup` first to avoid that.\n');
      process.stderr.write(
        [
          `tlorc: serving ${server.url}/v1 (OpenAPI: ${server.url}/v1/openapi.json)`,
          `  auth: ${c.token ? 'bearer token required' : 'none (loopback only is the safe default)'}`,
          `  concurrency ${c.concurrency}, GPU slots ${c.gpuSlots.length ? c.gpuSlots.join(',') : 'none'}`,
          `  data roots: ${c.dataRoots.join(', ')}`,
          `  runs: ${c.runsDir}   store: ${server.ctx.store.location}`,
          server.recovery.requeued.length || server.recovery.interrupted.length
            ? `  recovered: ${server.recovery.requeued.length} queued run(s) requeued, ${server.recovery.interrupted.length} interrupted run(s) marked failed`
            : '',
        ]
          .filter(Boolean)
          .join('\n') + '\n',
      );
      let stopping = false;
      const stop = (sig: NodeJS.Signals) => {
        if (stopping) process.exit(EXIT.cancelled);
        stopping = true;
        process.stderr.write(`tlorc: ${sig}: stopping (running runs are cancelled, queued ones stay queued; again to force)\n`);
        void server.close().then(() => process.exit(EXIT.ok));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await new Promise(() => {}); // until a signal
    });
}
