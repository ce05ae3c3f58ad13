/** `tlorc schema`: the spec's JSON Schema; `tlorc catalog`: the backbones. */
import type { Command } from 'commander';
import { schema, catalog } from '../../sdk/index.js';
import { table } from '../ui/format.js';
import { jsonOption } from './common.js';

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the spec (derived from its zod definition)')
    .option('--markdown', 'print the field reference as Markdown (docs/spec.md) instead')
    .action(async (opts: { markdown?: boolean }) => {
      if (opts.markdown) {
        const { specMarkdown } = await import('../../spec/docs.js');
        process.stdout.write(specMarkdown());
        return;
      }
      process.stdout.write(JSON.stringify(schema(), null, 2) + '\n');
    });
  program
    .command('catalog')
    .description('list the backbones tlorc knows, with frameworks and input sizes')
    .addOption(jsonOption())
    .action((opts: { json?: boolean }) => {
      const c = catalog();
      if (opts.json) {
        process.stdout.write(JSON.stringify(c, null, 2) + '\n');
        return;
      }
      const rows = [['name', 'task', 'frameworks', 'input', 'features', 'params', 'aliases']];
      for (const b of c) rows.push([b.name, b.task.replace('_classification', ''), b.frameworks.join(','), String(b.input.default), String(b.features), b.params, b.aliases.join(', ')]);
      process.stdout.write(table(rows) + '\n');
    });
}
