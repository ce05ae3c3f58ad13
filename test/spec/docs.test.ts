/** docs/spec.md is generated from the zod schema; this fails when it is stale. */
import { it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { specMarkdown } from '../../src/spec/docs.js';
import { repoRoot } from '../helpers.js';

it('docs/spec.md matches the schema (regenerate: npm run docs)', () => {
  expect(readFileSync(path.join(repoRoot, 'docs', 'spec.md'), 'utf8')).toBe(specMarkdown());
});
