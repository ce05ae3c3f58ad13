// Regenerates the derived docs (docs/spec.md, docs/errors.md) from the built sources.
// Run via `npm run docs` (builds first). Tests fail when these files are stale.
import { writeFileSync } from 'node:fs';
const { specMarkdown } = await import('../dist/spec/docs.js');
const { errorsMarkdown } = await import('../dist/errors/docs.js');
writeFileSync(new URL('../docs/spec.md', import.meta.url), specMarkdown());
writeFileSync(new URL('../docs/errors.md', import.meta.url), errorsMarkdown());
console.log('wrote docs/spec.md, docs/errors.md');
