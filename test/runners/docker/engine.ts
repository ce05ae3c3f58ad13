/**
 * Shared by the Docker runner tests: is a real engine (and the offline test image) there?
 * With CI=true a missing engine or image FAILS the tests (CI must have run .ci/docker-up.sh);
 * elsewhere they are skipped with a message that says how to get them.
 */
import Docker from 'dockerode';

export const TEST_IMAGE = process.env.TLORC_TEST_DOCKER_IMAGE ?? 'tlorc/runtime:test';
export const isCI = process.env.CI === 'true' || process.env.CI === '1';

export interface EngineState {
  ok: boolean;
  reason?: string;
}

async function probe(): Promise<EngineState> {
  const docker = new Docker();
  try {
    await Promise.race([docker.ping(), new Promise((_, rej) => setTimeout(() => rej(new Error('ping timed out')), 5000).unref())]);
  } catch (e) {
    return { ok: false, reason: `Docker engine not reachable (${(e as Error).message}); run \`bash .ci/docker-up.sh\` or set DOCKER_HOST` };
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    return { ok: false, reason: `test image ${TEST_IMAGE} missing; build it with \`bash .ci/docker-up.sh\`` };
  }
  return { ok: true };
}

let state: Promise<EngineState> | undefined;
export const engineState = (): Promise<EngineState> => (state ??= probe());

/**
 * Whether to skip a Docker suite: never in CI (there the suite runs and fails on a missing engine),
 * otherwise when the engine or image is missing.
 */
export async function skipDocker(): Promise<boolean> {
  const s = await engineState();
  if (s.ok) return false;
  if (isCI) return false;
  process.stderr.write(`\n[docker tests] SKIPPED: ${s.reason}\n`);
  return true;
}

/** In beforeAll of every Docker suite: fail loudly (CI) when the engine or image is missing. */
export async function requireEngine(): Promise<void> {
  const s = await engineState();
  if (!s.ok) throw new Error(`Docker tests cannot run: ${s.reason}. With CI=true these tests fail rather than skip.`);
}
