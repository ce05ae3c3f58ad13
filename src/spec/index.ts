export * from './schema.js';
export type { Issue } from './issues.js';
export { formatPath } from './issues.js';
export type { NormalizedSpec, NormalizedPhase, NormalizedData, NormalizedLoss, NormalizedWeights } from './normalized.js';
export { loadSpecFile, parseSpecText, type LoadedSource } from './load.js';
export { checkSpec, parseSpec, type CheckResult } from './validate.js';
export { applyOverrides } from './overrides.js';
export { renderIssue, renderIssues } from './render.js';
export { specJsonSchema } from './json-schema.js';
