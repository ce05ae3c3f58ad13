/**
 * The Docker engine client and the checks that run before a container is made.
 *
 * Why the engine API through dockerode and not the `docker` CLI through execa: the API gives typed
 * HostConfig fields (DeviceRequests, ShmSize, Mounts, CapDrop), structured inspect results
 * (State.OOMKilled, ExitCode) and a wait/attach that are events rather than text to scrape; it needs
 * no CLI binary on the host (only a socket or DOCKER_HOST), and it is what the engine itself
 * documents. dockerode reads DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH like the CLI does
 * (not `docker context`: set DOCKER_HOST for a non-default engine).
 */
import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TlorcError } from '../../errors/index.js';
import { packageRoot } from '../../paths.js';
import type { NormalizedSpec } from '../../spec/normalized.js';
import { deviceRequests, MANAGED_LABEL, RUN_ID_LABEL, OWNER_PID_LABEL, OWNER_HOST_LABEL } from './config.js';
import os from 'node:os';

export type EngineOptions = Docker.DockerOptions;

/** A client for the engine DOCKER_HOST (or the default socket) points at, unless options say otherwise. */
export function connect(options?: EngineOptions | Docker): Docker {
  if (options instanceof Docker) return options;
  return new Docker(options);
}

/** Where the client talks to, for messages. */
export function engineAddress(docker: Docker): string {
  const m = docker.modem as unknown as { socketPath?: unknown; host?: string; port?: number | string; protocol?: string };
  if (typeof m.socketPath === 'string') return `unix://${m.socketPath}`;
  if (m.host) return `${m.protocol ?? 'http'}://${m.host}${m.port ? `:${m.port}` : ''}`;
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000}s`)), ms);
    t.unref();
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    );
  });

/** Throws TLORC_DOCKER_UNREACHABLE unless the engine answers a ping. */
export async function ensureEngine(docker: Docker, timeoutMs = 5000): Promise<void> {
  try {
    await withTimeout(docker.ping(), timeoutMs, 'Docker engine ping');
  } catch (e) {
    const why = (e as Error).message;
    const where = engineAddress(docker);
    throw new TlorcError('TLORC_DOCKER_UNREACHABLE', `The Docker engine at ${where} is not reachable: ${why}`, {
      hint: process.env.DOCKER_HOST
        ? `Check DOCKER_HOST (${process.env.DOCKER_HOST}) and that the engine there is running.`
        : 'Start the Docker engine (`sudo systemctl start docker`, or `sudo dockerd &`; in this repo `bash .ci/docker-up.sh`), or point DOCKER_HOST at one. Your user needs access to the socket (the `docker` group).',
      details: { engine: where },
      cause: e,
    });
  }
}

let cachedVersion: string | undefined;
/** tlorc's version (package.json), which names the default runtime image. */
export function tlorcVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/** The image tlorc runs a framework's scripts in unless told otherwise (see docker/README.md). */
export const defaultImage = (framework: NormalizedSpec['framework']): string => `tlorc/runtime:${framework}-${tlorcVersion()}`;

/** Image choice: explicit option > spec.resources.image > TLORC_DOCKER_IMAGE > the default tag. */
export function resolveImage(spec: NormalizedSpec, override?: string): string {
  return override ?? spec.resources.image ?? process.env.TLORC_DOCKER_IMAGE ?? defaultImage(spec.framework);
}

/** Throws TLORC_DOCKER_IMAGE_MISSING unless the image is present in the engine (tlorc never pulls). */
export async function ensureImage(docker: Docker, image: string, framework?: NormalizedSpec['framework']): Promise<Docker.ImageInspectInfo> {
  try {
    return await docker.getImage(image).inspect();
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== 404) throw e;
    const isDefault = framework !== undefined && image === defaultImage(framework);
    const build = isDefault
      ? `Build it with \`docker/build.sh ${framework}\` from the tlorc repository (see docker/README.md), or pull/tag your own image as ${image}`
      : image === 'tlorc/runtime:test'
        ? 'Build it with `bash .ci/docker-up.sh` (offline test image, see docker/test-image/)'
        : `Pull or build it first (\`docker pull ${image}\`), or choose another image with --image / resources.image`;
    throw new TlorcError('TLORC_DOCKER_IMAGE_MISSING', `Docker image ${image} is not present in the engine (tlorc never pulls images implicitly).`, {
      hint: `${build}.`,
      details: { image },
      cause: e,
    });
  }
}

/** Docker's words for "no driver can give you GPUs" (no NVIDIA Container Toolkit / nvidia runtime). */
export const NO_GPU_DRIVER_RE = /could not select device driver "[^"]*" with capabilities: \[\[gpu\]\]/;

export function isNoGpuRuntimeError(message: string): boolean {
  return NO_GPU_DRIVER_RE.test(message);
}

/** The engine said no to the GPU request at container start: a TlorcError that says what to do. */
export function gpuStartError(engineMessage: string, gpus: unknown, cause?: unknown): TlorcError {
  const noDriver = isNoGpuRuntimeError(engineMessage);
  const message = noDriver
    ? `GPUs were requested (resources.gpus: ${JSON.stringify(gpus)}) but this Docker engine has no GPU runtime: it cannot hand GPUs to containers. tlorc does not fall back to CPU.`
    : `GPUs were requested (resources.gpus: ${JSON.stringify(gpus)}) but the engine could not give them to the container: ${engineMessage}`;
  return new TlorcError('TLORC_DOCKER_NO_GPU_RUNTIME', message, {
    hint: noDriver
      ? 'Install the NVIDIA driver and the NVIDIA Container Toolkit on the host, run `nvidia-ctk runtime configure --runtime=docker` and restart dockerd (`tlorc doctor` then shows GPUs usable), or remove resources.gpus to train on CPU.'
      : 'Check the device ids against `nvidia-smi -L` on the host and that the NVIDIA Container Toolkit works (`docker run --rm --gpus all <image> nvidia-smi`).',
    path: ['resources', 'gpus'],
    details: { engine_message: engineMessage.trim() },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Docker's error text, wherever dockerode put it (JSON body `message`, or the Error's message). */
export function engineMessage(e: unknown): string {
  const j = (e as { json?: { message?: string } | null }).json;
  if (j && typeof j.message === 'string') return j.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Can this engine give `gpus` to a container of `image`? Answered the only reliable way: create a
 * throw-away container with the same device request, start it (`true`), and see. Docker decides
 * only at start whether a device driver can serve the request, so inspecting `docker info` alone
 * can't tell (the NVIDIA hook registers a driver without listing a runtime). Throws
 * TLORC_DOCKER_NO_GPU_RUNTIME; returns when GPUs work.
 */
export async function probeGpus(docker: Docker, image: string, gpus: NonNullable<NormalizedSpec['resources']['gpus']>): Promise<void> {
  const requests = deviceRequests(gpus);
  if (requests.length === 0) return;
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ['true'],
    Cmd: [],
    Labels: { [MANAGED_LABEL]: 'true', [RUN_ID_LABEL]: 'gpu-probe', [OWNER_PID_LABEL]: String(process.pid), [OWNER_HOST_LABEL]: os.hostname() },
    HostConfig: { DeviceRequests: requests, NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges:true'] },
  });
  try {
    await container.start();
    const r = (await container.wait()) as { StatusCode?: number };
    if (r.StatusCode !== 0) throw new Error(`GPU probe container exited with ${r.StatusCode}`);
  } catch (e) {
    const msg = engineMessage(e);
    // The device request is served before the process is executed: an image without `true`
    // got past the GPU part, which is all this probe asks.
    if (/executable file not found|no such file or directory/i.test(msg) && !/nvidia|gpu/i.test(msg)) return;
    throw gpuStartError(msg, gpus, e);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
