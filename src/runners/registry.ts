/** Runner kinds -> implementations. Docker is loaded only when asked for (it pulls in the engine client). */
import { TlorcError } from '../errors/index.js';
import { LocalRunner, type LocalRunnerOptions } from './local.js';
import type { Runner, RunnerKind } from './types.js';

export const RUNNER_KINDS: readonly RunnerKind[] = ['local', 'docker'];

export interface RunnerOptions extends LocalRunnerOptions {
  /** Docker image override (else spec.resources.image, else the default tag for the framework). */
  image?: string;
}

export async function getRunner(kind: RunnerKind, options: RunnerOptions = {}): Promise<Runner> {
  if (kind === 'local') return new LocalRunner(options);
  if (kind === 'docker') {
    const { DockerRunner } = await import('./docker/index.js');
    return new DockerRunner(options);
  }
  throw new TlorcError('TLORC_API_BAD_REQUEST', `Unknown runner "${String(kind)}".`, { hint: `Use one of: ${RUNNER_KINDS.join(', ')}.` });
}
