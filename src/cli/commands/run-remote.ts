/** `tlorc run spec.yaml --server URL`: submit to a tlorc server and follow the run like a local one. */
import { TlorcClient } from '../../client/remote.js';
import type { RunnerKind } from '../../runners/types.js';
import { printError } from '../ui/errors.js';
import { followRun } from '../ui/follow.js';

export interface RemoteRunFlags {
  server: string;
  token?: string;
  runner: RunnerKind;
  json?: boolean;
  set: string[];
  unset: string[];
  image?: string;
  output?: string;
}

export async function runRemote(specPath: string, opts: RemoteRunFlags): Promise<number> {
  const json = !!opts.json;
  try {
    if (opts.output) process.stderr.write('tlorc: note: --output is ignored with --server (the server decides where run folders go)\n');
    if (opts.image) process.stderr.write('tlorc: note: --image is ignored with --server; set resources.image in the spec\n');
    const client = new TlorcClient({ server: opts.server, ...(opts.token ? { token: opts.token } : {}) });
    const handle = await client.submit(specPath, { overrides: opts.set, unset: opts.unset, runner: opts.runner });
    if (!json) process.stderr.write(`tlorc: submitted run ${handle.runId} to ${client.server}${handle.run.queuePosition ? ` (queue position ${handle.run.queuePosition})` : ''}\n`);
    return await followRun(handle, { json, where: 'on the server' });
  } catch (e) {
    return printError(e, json);
  }
}
