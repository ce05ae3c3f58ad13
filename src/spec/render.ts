/** Issues for people: one block per issue, path first, expected vs found, and the fix. */
import { formatPath, type Issue } from './issues.js';

export function renderIssue(i: Issue, file?: string): string {
  const where = i.line ? `${file ? `${file}:` : 'line '}${i.line}:${i.column ?? 1}` : '';
  const lines = [`  ${formatPath(i.path)}${where ? `  (${where})` : ''}`, `    ${i.message}`];
  if (i.expected) lines.push(`    expected: ${i.expected}`);
  if (i.found) lines.push(`    found:    ${i.found}`);
  return lines.join('\n');
}

export const renderIssues = (issues: readonly Issue[], file?: string): string => issues.map((i) => renderIssue(i, file)).join('\n');
