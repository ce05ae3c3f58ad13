/**
 * Recording a run started in this process (`tlorc run`, the SDK's `run`) in the local run
 * store, so `tlorc runs list|show|logs|cancel` see it like a server's runs. The record is
 * built from the run directory (run.json, spec.yaml); the events and final status follow
 * through the recorder. Recording never breaks the run: failures go to `onError`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RUN_FILES, readRunState } from '../runners/run-dir.js';
import type { RunHandle } from '../runners/types.js';
import { defaultStorePath, openStore } from './index.js';
import { thisProcess } from './owner.js';
import { recordRun } from './recorder.js';
import type { RunRecord, RunStore } from './types.js';

export interface LocalRecordOptions {
  /** Store file (default $TLORC_STORE or $TLORC_HOME/tlorc.db), or an open store. */
  store?: string | RunStore;
  onError?: (e: unknown) => void;
}

/** Resolves with the final record once the run has ended (undefined if it could not be recorded). */
export async function recordLocalRun(handle: RunHandle, options: LocalRecordOptions = {}): Promise<RunRecord | undefined> {
  const own = typeof options.store !== 'object';
  let store: RunStore | undefined;
  try {
    store = typeof options.store === 'object' ? options.store : openStore(options.store ?? defaultStorePath());
    const state = readRunState(handle.runDir);
    let spec: Record<string, unknown> = {};
    try {
      spec = (parseYaml(readFileSync(path.join(handle.runDir, RUN_FILES.specYaml), 'utf8')) as Record<string, unknown>) ?? {};
    } catch {
      /* a run dir without spec.yaml: record it anyway */
    }
    store.createRun({
      id: handle.runId,
      name: state?.name ?? handle.runId,
      runner: handle.runner,
      spec,
      runDir: handle.runDir,
      createdAt: state?.createdAt ?? new Date().toISOString(),
      gpuRequest: 0,
      owner: thisProcess('cli'),
    });
    return await recordRun(store, handle).done;
  } catch (e) {
    options.onError?.(e);
    return undefined;
  } finally {
    if (own) store?.close();
  }
}
