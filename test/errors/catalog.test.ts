/** Every error code is documented, has a hint, and maps to a sensible exit code and HTTP status. */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERRORS, EXIT, TlorcError } from '../../src/errors/index.js';
import { errorsMarkdown } from '../../src/errors/docs.js';
import { repoRoot } from '../helpers.js';

describe('error catalog', () => {
  it.each(Object.entries(ERRORS))('%s has a stable code, a hint, an exit code and an HTTP status', (code, def) => {
    expect(code).toMatch(/^TLORC_[A-Z_]+$/);
    expect(def.hint.length).toBeGreaterThan(10);
    expect(Object.values(EXIT)).toContain(def.exit);
    expect(def.http).toBeGreaterThanOrEqual(400);
  });
  it('docs/errors.md documents every code (regenerate: npm run docs)', () => {
    expect(readFileSync(path.join(repoRoot, 'docs', 'errors.md'), 'utf8')).toBe(errorsMarkdown());
  });
  it('TlorcError carries code, hint, path and serializes to the API error shape', () => {
    const e = new TlorcError('TLORC_DATA_NOT_FOUND', 'Data folder not found: /x', { path: ['data', 'root'] });
    expect(e.exitCode).toBe(EXIT.invalidInput);
    expect(e.httpStatus).toBe(422);
    expect(e.toJSON()).toEqual({ code: 'TLORC_DATA_NOT_FOUND', message: 'Data folder not found: /x', hint: ERRORS.TLORC_DATA_NOT_FOUND.hint, path: ['data', 'root'] });
  });
});
