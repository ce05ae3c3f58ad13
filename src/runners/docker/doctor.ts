/**
 * `tlorc doctor`'s Docker section: is an engine reachable, which version and runtimes, are the
 * runtime images there, and can containers get GPUs. Never throws: every problem is a line in
 * the report with what to do.
 */
import type Docker from 'dockerode';
import { connect, defaultImage, engineAddress, engineMessage, ensureEngine, probeGpus, type EngineOptions } from './engine.js';
import { isTlorcError } from '../../errors/index.js';

export interface DockerDoctorReport {
  /** the engine answered */
  ok: boolean;
  engine: string;
  serverVersion?: string;
  apiVersion?: string;
  os?: string;
  cgroup?: string;
  runtimes: string[];
  defaultRuntime?: string;
  /** Runtime images tlorc uses by default, and whether each is present. */
  images: { image: string; present: boolean }[];
  gpu: {
    /** true: a container got GPUs; false: the engine refused; null: not checked (no image to probe with). */
    usable: boolean | null;
    detail: string;
  };
  problems: { message: string; hint: string }[];
}

export interface DockerDoctorOptions {
  docker?: EngineOptions | Docker;
  /** Images to report on and to probe GPUs with (default: the default runtime images, then tlorc/runtime:test). */
  images?: string[];
  /** Skip the GPU probe container. */
  skipGpuProbe?: boolean;
}

export async function dockerDoctor(options: DockerDoctorOptions = {}): Promise<DockerDoctorReport> {
  const docker = connect(options.docker);
  const report: DockerDoctorReport = { ok: false, engine: engineAddress(docker), runtimes: [], images: [], gpu: { usable: null, detail: 'not checked' }, problems: [] };
  try {
    await ensureEngine(docker);
  } catch (e) {
    const err = isTlorcError(e) ? e : undefined;
    report.problems.push({ message: err?.message ?? engineMessage(e), hint: err?.hint ?? 'Start the Docker engine or set DOCKER_HOST.' });
    report.gpu.detail = 'engine not reachable';
    return report;
  }
  report.ok = true;
  try {
    const [info, version] = await Promise.all([docker.info() as Promise<Record<string, unknown>>, docker.version()]);
    report.serverVersion = version.Version;
    report.apiVersion = version.ApiVersion;
    report.os = `${String(info.OperatingSystem ?? version.Os)} (${String(info.Architecture ?? version.Arch)})`;
    report.cgroup = info.CgroupVersion ? `v${String(info.CgroupVersion)} (${String(info.CgroupDriver ?? '?')})` : undefined;
    report.runtimes = Object.keys((info.Runtimes as Record<string, unknown> | undefined) ?? {}).sort();
    report.defaultRuntime = info.DefaultRuntime as string | undefined;
  } catch (e) {
    report.problems.push({ message: `Could not read engine info: ${engineMessage(e)}`, hint: 'Check the engine log.' });
  }

  const candidates = options.images ?? [defaultImage('pytorch'), defaultImage('keras'), 'tlorc/runtime:test'];
  for (const image of candidates) {
    const present = await docker
      .getImage(image)
      .inspect()
      .then(() => true, () => false);
    // the offline test image is only worth a line (and a GPU probe) where it exists
    if (present || options.images || image !== 'tlorc/runtime:test') report.images.push({ image, present });
  }
  const defaults = [defaultImage('pytorch'), defaultImage('keras')];
  const missing = report.images.filter((i) => !i.present && defaults.includes(i.image));
  if (missing.length)
    report.problems.push({
      message: `Runtime image(s) missing: ${missing.map((m) => m.image).join(', ')}.`,
      hint: 'Build them with docker/build.sh (see docker/README.md), or name your own image with --image / resources.image.',
    });

  const hasNvidiaRuntime = report.runtimes.includes('nvidia');
  const probeWith = report.images.find((i) => i.present)?.image;
  if (options.skipGpuProbe || !probeWith) {
    report.gpu = {
      usable: null,
      detail: `${probeWith ? 'probe skipped' : 'no runtime image present to probe with'}; nvidia runtime ${hasNvidiaRuntime ? 'registered' : 'not registered'}`,
    };
  } else {
    try {
      await probeGpus(docker, probeWith, 'all');
      report.gpu = { usable: true, detail: `a container of ${probeWith} got --gpus all` };
    } catch (e) {
      const err = isTlorcError(e) ? e : undefined;
      report.gpu = { usable: false, detail: String(err?.details.engine_message ?? engineMessage(e)) };
      report.problems.push({ message: 'GPUs are not usable in containers (runs with resources.gpus will fail; tlorc never falls back to CPU).', hint: err?.hint ?? 'Install the NVIDIA Container Toolkit.' });
    }
  }
  return report;
}

/** The report as the lines `tlorc doctor` prints. */
export function formatDockerDoctor(r: DockerDoctorReport): string[] {
  const lines = [`Docker engine: ${r.ok ? `reachable at ${r.engine}` : `NOT reachable at ${r.engine}`}`];
  if (r.serverVersion) lines.push(`  version ${r.serverVersion} (API ${r.apiVersion ?? '?'}) on ${r.os ?? '?'}${r.cgroup ? `, cgroup ${r.cgroup}` : ''}`);
  if (r.ok) lines.push(`  runtimes: ${r.runtimes.join(', ') || 'none'}${r.defaultRuntime ? ` (default ${r.defaultRuntime})` : ''}`);
  for (const i of r.images) lines.push(`  image ${i.image}: ${i.present ? 'present' : 'missing'}`);
  if (r.ok) lines.push(`  GPUs in containers: ${r.gpu.usable === null ? 'unknown' : r.gpu.usable ? 'usable' : 'NOT usable'} (${r.gpu.detail})`);
  for (const p of r.problems) lines.push(`  ! ${p.message}`, `    → ${p.hint}`);
  return lines;
}
