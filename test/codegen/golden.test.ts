/**
 * Golden snapshots: every spec in specs/ is generated and compared with golden/<name>.py
 * (UPDATE_GOLDEN=1 rewrites them), and every golden file is compiled with real Python.
 * Specs are parsed against a fixed virtual base folder so the snapshots do not depend on
 * where the repository lies.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSpec, parseSpecText } from '../../src/spec/index.js';
import { compileCheck, generate, RUNTIME_FILE } from '../../src/codegen/index.js';
import { HAS_PYTHON, PYTHON } from './python.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const specsDir = path.join(here, 'specs');
const goldenDir = path.join(here, 'golden');
export const GOLDEN_BASE = '/tlorc/specs';
const update = process.env.UPDATE_GOLDEN === '1';

const specFiles = readdirSync(specsDir).filter((f) => f.endsWith('.yaml')).sort();

export function generateFor(file: string) {
  const text = readFileSync(path.join(specsDir, file), 'utf8');
  return generate(parseSpec(parseSpecText(text, GOLDEN_BASE, file)));
}

describe('golden scripts', () => {
  it('has the representative specs, the three article examples included', () => {
    expect(specFiles).toEqual(expect.arrayContaining([
      'article-1-vgg16-keras.yaml', 'article-2-bert-pytorch.yaml', 'article-3-resnet50-keras.yaml',
      'mobilenet-keras-two-phase.yaml', 'mobilenet-v2-pytorch.yaml', 'minilm-text.yaml',
    ]));
  });

  it.each(specFiles)('%s matches its golden file', (file) => {
    const script = generateFor(file);
    const golden = path.join(goldenDir, file.replace(/\.yaml$/, '.py'));
    if (update || !existsSync(golden)) writeFileSync(golden, script.files['train.py']);
    expect(script.files['train.py']).toBe(readFileSync(golden, 'utf8'));
    expect(script.entry).toBe('train.py');
    expect(script.files[RUNTIME_FILE]).toBe(readFileSync(path.join(here, '../../python', RUNTIME_FILE), 'utf8'));
  });

  it('has no golden file without a spec', () => {
    const goldens = readdirSync(goldenDir).filter((f) => f.endsWith('.py')).sort();
    expect(goldens).toEqual(specFiles.map((f) => f.replace(/\.yaml$/, '.py')));
  });

  it.skipIf(!HAS_PYTHON)('every golden file (and the runtime) compiles with Python', async () => {
    const files: Record<string, string> = { [RUNTIME_FILE]: readFileSync(path.join(here, '../../python', RUNTIME_FILE), 'utf8') };
    for (const f of readdirSync(goldenDir).filter((n) => n.endsWith('.py'))) files[f.replace(/-/g, '_')] = readFileSync(path.join(goldenDir, f), 'utf8');
    await expect(compileCheck(files, PYTHON)).resolves.toBeUndefined();
  });

  it.skipIf(!HAS_PYTHON)('compileCheck reports a Python syntax error as TLORC_CODEGEN_COMPILE', async () => {
    await expect(compileCheck({ 'train.py': 'def f(:\n  pass\n' }, PYTHON)).rejects.toMatchObject({ code: 'TLORC_CODEGEN_COMPILE' });
  });

  it('compileCheck reports a missing Python as TLORC_PYTHON_NOT_FOUND', async () => {
    await expect(compileCheck({ 'train.py': 'x = 1\n' }, '/nonexistent/python3')).rejects.toMatchObject({ code: 'TLORC_PYTHON_NOT_FOUND' });
  });
});
