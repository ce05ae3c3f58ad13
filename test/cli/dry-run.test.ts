/**
 * `tlorc validate --dry-run`: builds the real model and runs one batch forward and backward,
 * so mistakes that only the framework can see (a layer name that does not exist) show up
 * before a long run, with the field path; a good spec passes and leaves nothing behind.
 */
import { describe, it, expect } from 'vitest';
import { execa } from 'execa';
import { writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tmpDir } from '../helpers.js';

const bin = path.join(repoRoot, 'bin', 'tlorc.js');
const flowers = path.join(repoRoot, 'examples', 'flowers');

function spec(freeze: string): string {
  const dir = tmpDir();
  const f = path.join(dir, 'spec.yaml');
  writeFileSync(f, `apiVersion: tlorc/v1
task: image_classification
framework: keras
backbone: { name: mobilenet, alpha: 0.25, input_size: 224, weights: ${JSON.stringify(path.join(flowers, 'weights', 'mobilenet_2_5_224_tf_no_top.h5'))} }
freeze: ${freeze}
data: { type: image_folder, root: ${JSON.stringify(flowers)} }
batch_size: 4
epochs: 1
output: ./runs
`);
  return f;
}

describe('tlorc validate --dry-run', () => {
  it('Ctrl-C during the dry run stops it, exits 130 and leaves no temporary run folder', async () => {
    const f = spec('all');
    const tmp = tmpDir('tlorc-dry-tmp-');
    const child = execa('node', [bin, 'validate', '--dry-run', f], { reject: false, env: { TMPDIR: tmp } });
    const running = () =>
      readdirSync(tmp).some((d) => d.startsWith('tlorc-dry-') && readdirSync(path.join(tmp, d)).some((id) => {
        const state = path.join(tmp, d, id, 'run.json');
        return existsSync(state) && readFileSync(state, 'utf8').includes('"running"');
      }));
    for (const end = Date.now() + 120_000; !running(); await new Promise((r) => setTimeout(r, 100)))
      if (Date.now() > end || child.exitCode !== null) throw new Error('the dry run did not start');
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toContain('TLORC_RUN_CANCELLED');
    expect(readdirSync(tmp).filter((d) => d.startsWith('tlorc-dry-'))).toEqual([]);
  }, 180_000);

  it('shows the warnings of the dry run (a freeze pattern that matches no layer), once', async () => {
    const r = await execa('node', [bin, 'validate', '--dry-run', spec('{ pattern: "zzz_*" }')], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.match(/warning TLORC_FREEZE_NO_MATCH: freeze.pattern 'zzz_\*' matches no backbone layer/g)).toHaveLength(1);
  }, 180_000);

  it('passes for a good spec: one batch forward and backward, no run directory left', async () => {
    const f = spec('{ until: conv_pw_11_relu }');
    const r = await execa('node', [bin, 'validate', '--dry-run', f], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/dry run: one batch forward and backward OK/);
    expect(existsSync(path.join(path.dirname(f), 'runs')) ? readdirSync(path.join(path.dirname(f), 'runs')) : []).toEqual([]);
  }, 180_000);

  it('a freeze layer that does not exist fails with the field path', async () => {
    const r = await execa('node', [bin, 'validate', '--dry-run', '--json', spec('{ until: conv_pw_99 }')], { reject: false });
    expect(r.exitCode).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.error.path).toEqual(['freeze', 'until']);
    expect(report.error.message).toContain('conv_pw_99');
  }, 180_000);

  it('a bad layer name in phase 2 fails before phase 1 trains (tlorc run, exit 2, no epoch)', async () => {
    const f = spec('all');
    writeFileSync(f, readFileSync(f, 'utf8').replace('epochs: 1\n', 'phases: [{ epochs: 1 }, { epochs: 1, freeze: { until: conv_pw_11_relU } }]\n'));
    const r = await execa('node', [bin, 'run', '--json', f], { reject: false });
    expect(r.exitCode).toBe(2);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === 'epoch')).toBe(false);
    const failed = events.at(-1);
    expect(failed.type).toBe('failed');
    expect(failed.code).toBe('TLORC_SPEC_INVALID');
    expect(failed.path).toEqual(['phases', 1, 'freeze', 'until']);
    expect(failed.reason).toContain('conv_pw_11_relu'); // did you mean
  }, 180_000);
});
