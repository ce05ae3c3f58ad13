/** `tlorc doctor`: Python env, framework versions, CUDA visibility, Docker engine and GPU runtime. */
import type { Command } from 'commander';
import { envIsCurrent, venvDir, tlorcHome } from '../../python/env.js';
import { probePython } from '../../python/probe.js';
import { jsonOption } from './common.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('report the Python environment, framework versions, CUDA visibility and Docker')
    .addOption(jsonOption())
    .action(async (opts: { json?: boolean }) => {
      const python = process.env.TLORC_PYTHON ?? path.join(venvDir(), 'bin', 'python');
      const report: Record<string, unknown> = {
        node: process.version,
        tlorcHome: tlorcHome(),
        pythonEnv: { path: python, managed: !process.env.TLORC_PYTHON, current: process.env.TLORC_PYTHON ? null : envIsCurrent() },
      };
      report.python = existsSync(python) ? await probePython(python) : { error: 'not set up: run `tlorc setup`' };
      const { dockerDoctor, formatDockerDoctor } = await import('../../runners/docker/doctor.js');
      const docker = await dockerDoctor();
      report.docker = docker;
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const p = report.python as Awaited<ReturnType<typeof probePython>> & { error?: string };
      const lines = [`node        ${process.version}`, `tlorc home  ${tlorcHome()}`];
      lines.push(`python env  ${python}${process.env.TLORC_PYTHON ? ' (TLORC_PYTHON)' : envIsCurrent() ? ' (current)' : ' (needs `tlorc setup`)'}`);
      if (p.error) lines.push(`python      error: ${p.error}`);
      else {
        lines.push(`python      ${p.version}`);
        for (const [k, v] of Object.entries(p.packages)) lines.push(`  ${k.padEnd(20)} ${v ?? 'MISSING'}`);
        lines.push(`cuda        ${p.cuda.available ? `available: ${p.cuda.devices.join(', ')}` : `not available${p.cuda.error ? ` (${p.cuda.error})` : ' (CPU training)'}`}`);
      }
      lines.push(...formatDockerDoctor(docker));
      process.stdout.write(lines.join('\n') + '\n');
    });
}
