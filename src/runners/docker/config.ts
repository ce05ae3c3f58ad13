/**
 * PreparedRun + resources -> the engine's container create options. Pure: no engine calls, so
 * every security and mount rule here is checked by inspecting a real created container (tests).
 *
 * Rules (docker/README.md has the user-facing version):
 *  - host paths are mounted at the SAME absolute path: the generated script holds host paths and
 *    runs unchanged. Inputs (data, weights file) read-only, the run directory read-write, framework
 *    model caches read-only; nothing else of the host.
 *  - not privileged, every capability dropped, no-new-privileges, an init as PID 1 (signals reach
 *    Python, data-loader workers are reaped), network "none" unless the spec asks for it.
 *  - user: the host uid:gid when tlorc does not run as root (files in the run dir belong to the
 *    user); as root, the image's unprivileged uid 1000 (ROOT_FALLBACK_USER) instead, and the runner
 *    hands the run directory to that uid for the run and back to root afterwards.
 */
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { isInside } from '../../paths.js';
import type { PreparedRun } from '../types.js';
import type { ResourcesConfig } from '../../spec/schema.js';

export const MANAGED_LABEL = 'tlorc.managed';
export const RUN_ID_LABEL = 'tlorc.run-id';
/** The run folder on the host: handed back to tlorc's user when a leftover container is removed. */
export const RUN_DIR_LABEL = 'tlorc.run-dir';
/** pid and host of the tlorc process that owns the container: leftovers are those whose owner is gone. */
export const OWNER_PID_LABEL = 'tlorc.owner-pid';
export const OWNER_HOST_LABEL = 'tlorc.owner-host';

/** The uid:gid used when tlorc runs as root (the runtime images' `tlorc` user). */
export const ROOT_FALLBACK_USER = '1000:1000';
export const DEFAULT_SHM = '2g';
/** Where HOME points inside the container: writable by any uid (the host uid may have no passwd entry there). */
export const CONTAINER_HOME = '/tmp';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Docker-style sizes: "2g", "512m", "1.5g", "1024" (bytes). */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return Math.round(value);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$/i.exec(value);
  if (!m) throw new Error(`Not a size: ${JSON.stringify(value)} (use e.g. 512m, 2g)`);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** resources.gpus -> the engine's DeviceRequests (what `docker run --gpus` sends). */
export function deviceRequests(gpus: ResourcesConfig['gpus']): Docker.DeviceRequest[] {
  if (gpus === undefined || gpus === 0) return [];
  if (gpus === 'all') return [{ Driver: '', Count: -1, DeviceIDs: null as unknown as string[], Capabilities: [['gpu']] }];
  if (typeof gpus === 'number') return [{ Driver: '', Count: gpus, DeviceIDs: null as unknown as string[], Capabilities: [['gpu']] }];
  return [{ Driver: '', Count: 0, DeviceIDs: [...gpus], Capabilities: [['gpu']] }];
}

export interface HostIdentity {
  uid: number;
  gid: number;
  home: string;
  hostname: string;
  pid: number;
  env: NodeJS.ProcessEnv;
}

export const hostIdentity = (): HostIdentity => ({
  uid: process.getuid?.() ?? 1000,
  gid: process.getgid?.() ?? 1000,
  home: os.homedir(),
  hostname: os.hostname(),
  pid: process.pid,
  env: process.env,
});

/** The user the container runs as (see the rules above). */
export function containerUser(host: Pick<HostIdentity, 'uid' | 'gid'>, override?: string): string {
  if (override) return override;
  return host.uid === 0 ? ROOT_FALLBACK_USER : `${host.uid}:${host.gid}`;
}

export interface CacheMount {
  /** host dir, mounted read-only at the same path */
  dir: string;
  /** environment variable that points the framework at it */
  env: Record<string, string>;
  /** a writable tmpfs to lay under it (Keras insists its home dir is writable, else it ignores it) */
  tmpfsParent?: string;
}

/**
 * Framework model caches that exist on the host, so `weights: imagenet` resolves offline inside the
 * container exactly as it does locally. Honors KERAS_HOME, TORCH_HOME, HF_HOME and XDG_CACHE_HOME.
 */
export function modelCaches(host: Pick<HostIdentity, 'home' | 'env'>, exists: (p: string) => boolean = existsSync): CacheMount[] {
  const out: CacheMount[] = [];
  const xdg = host.env.XDG_CACHE_HOME || path.join(host.home, '.cache');
  const kerasHome = host.env.KERAS_HOME || path.join(host.home, '.keras');
  const kerasModels = path.join(kerasHome, 'models');
  // keras.utils.get_file uses $KERAS_HOME/models only if $KERAS_HOME is writable: a tmpfs there,
  // with the host's models read-only on top.
  if (exists(kerasModels)) out.push({ dir: kerasModels, env: { KERAS_HOME: kerasHome }, tmpfsParent: kerasHome });
  const torchHome = host.env.TORCH_HOME || path.join(xdg, 'torch');
  if (exists(torchHome)) out.push({ dir: torchHome, env: { TORCH_HOME: torchHome } });
  const hfHome = host.env.HF_HOME || path.join(xdg, 'huggingface');
  if (exists(hfHome)) out.push({ dir: hfHome, env: { HF_HOME: hfHome } });
  return out;
}


/**
 * Read-only input paths, without duplicates and without paths already inside another input. An
 * input that is a symbolic link (or lies under one) brings its real location too: inside the
 * container the link must lead somewhere (data.root/train -> /datasets/flowers/train).
 */
export function inputMounts(paths: readonly string[]): string[] {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const all = paths.map((p) => path.resolve(p)).flatMap((p) => (real(p) === p ? [p] : [p, real(p)]));
  const abs = [...new Set(all)].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const p of abs) if (!kept.some((k) => isInside(p, k))) kept.push(p);
  return kept.sort();
}

export interface ContainerSettings {
  image: string;
  /** Mount the host's model caches read-only (default true). */
  mountCaches?: boolean;
  /** user[:group] override (default: see containerUser). */
  user?: string;
  /** Run an init as PID 1 (Docker's docker-init; default true). */
  init?: boolean;
  /** Extra labels (merged; tlorc's own labels win). */
  labels?: Record<string, string>;
  /** Container name; default tlorc-<runId>. */
  name?: string;
  host?: HostIdentity;
}

/** Env of the generated script, adjusted for the container. */
export function containerEnv(run: PreparedRun, caches: CacheMount[]): string[] {
  const env: Record<string, string> = { ...run.env };
  // Device ids are already selected by the device request, and the container numbers its GPUs from
  // 0: host ids in CUDA_VISIBLE_DEVICES would point at GPUs that are not there. An empty value
  // (device: cpu) keeps its meaning.
  if (Array.isArray(run.spec.resources.gpus) && env.CUDA_VISIBLE_DEVICES) delete env.CUDA_VISIBLE_DEVICES;
  for (const c of caches) Object.assign(env, c.env);
  Object.assign(env, {
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    HOME: CONTAINER_HOME,
    TLORC_RUNNER: 'docker',
  });
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

export function containerName(runId: string): string {
  return `tlorc-${runId}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128);
}

/** The full create options for a run's container. */
export function buildContainerConfig(run: PreparedRun, settings: ContainerSettings): Docker.ContainerCreateOptions {
  const host = settings.host ?? hostIdentity();
  const r = run.spec.resources;
  const caches = settings.mountCaches === false ? [] : modelCaches(host);
  const runDir = path.resolve(run.runDir);

  const mounts: Docker.MountSettings[] = [];
  for (const p of inputMounts(run.inputPaths)) {
    if (p === runDir) continue; // the read-write mount below covers it
    mounts.push({ Type: 'bind', Source: p, Target: p, ReadOnly: true });
  }
  mounts.push({ Type: 'bind', Source: runDir, Target: runDir, ReadOnly: false });
  for (const c of caches) {
    if (c.tmpfsParent) mounts.push({ Type: 'tmpfs', Source: '', Target: c.tmpfsParent, TmpfsOptions: { SizeBytes: 64 * 1024 ** 2, Mode: 0o1777 } });
    mounts.push({ Type: 'bind', Source: c.dir, Target: c.dir, ReadOnly: true });
  }

  const hostConfig: Docker.HostConfig = {
    Mounts: mounts,
    Privileged: false,
    CapDrop: ['ALL'],
    CapAdd: [],
    SecurityOpt: ['no-new-privileges:true'],
    NetworkMode: r.network ? 'bridge' : 'none',
    ShmSize: parseSize(r.shm_size ?? DEFAULT_SHM),
    Init: settings.init ?? true,
    AutoRemove: false, // removed by the runner after the exit code and OOM state are read
    ReadonlyRootfs: false,
  };
  if (r.cpus !== undefined) hostConfig.NanoCpus = Math.round(r.cpus * 1e9);
  if (r.memory !== undefined) {
    hostConfig.Memory = parseSize(r.memory);
    hostConfig.MemorySwap = hostConfig.Memory; // no swap on top of the limit: OOM is reported, not thrashed
  }
  const gpus = deviceRequests(r.gpus);
  if (gpus.length) hostConfig.DeviceRequests = gpus;

  return {
    name: settings.name ?? containerName(run.runId),
    Image: settings.image,
    Cmd: ['python', '-u', run.scriptPath],
    WorkingDir: runDir,
    User: containerUser(host, settings.user),
    Env: containerEnv(run, caches),
    Labels: {
      ...(settings.labels ?? {}),
      [MANAGED_LABEL]: 'true',
      [RUN_ID_LABEL]: run.runId,
      [RUN_DIR_LABEL]: runDir,
      [OWNER_PID_LABEL]: String(host.pid),
      [OWNER_HOST_LABEL]: host.hostname,
    },
    StopSignal: 'SIGTERM',
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    Tty: false,
    HostConfig: hostConfig,
  };
}
