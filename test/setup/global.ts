/**
 * Before any test: make sure tlorc's managed Python environment exists (the same
 * code path `tlorc setup` uses). Tests that train need it; there is no skipping:
 * if it cannot be built the whole run fails, in CI and locally alike.
 */
import { ensurePythonEnv } from '../../src/python/env.js';

export default async function setup(): Promise<void> {
  const env = await ensurePythonEnv({ onProgress: (l) => process.stderr.write(`[setup] ${l}\n`) });
  process.env.TLORC_TEST_PYTHON = env.python;
}
