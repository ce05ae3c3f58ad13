/** `tlorc validate spec.yaml [--dry-run]`: spec, data, generated script (compiled), optionally one batch. */
import type { Command } from 'commander';
import { validate } from '../../sdk/index.js';
import { EXIT, TlorcError } from '../../errors/index.js';
import { printError } from '../ui/errors.js';
import { printable } from '../ui/format.js';
import { specOptions, jsonOption } from './common.js';

export function register(program: Command): void {
  specOptions(
    program
      .command('validate')
      .description('check the spec and its data, generate the script and compile it with Python')
      .argument('<spec>', 'spec file (YAML or JSON)')
      .option('--dry-run', 'also build the model and run one batch forward and backward')
      .option('--no-compile', 'skip compiling the generated script with Python')
      .addOption(jsonOption()),
  ).action(async (specPath: string, opts: { dryRun?: boolean; compile: boolean; json?: boolean; set: string[]; unset: string[] }) => {
    // Ctrl-C during a dry run: stop it, remove its temporary run folder, exit 130
    const interrupt = new AbortController();
    const onSignal = () => interrupt.abort();
    if (opts.dryRun) {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
    const report = await validate(specPath, {
      overrides: opts.set,
      unset: opts.unset,
      dryRun: !!opts.dryRun,
      compile: opts.compile,
      onSetupProgress: (l) => process.stderr.write(l + '\n'),
      signal: interrupt.signal,
    }).finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      process.exitCode = report.ok ? EXIT.ok : new TlorcError(report.error!.code, report.error!.message).exitCode;
      return;
    }
    if (!report.ok) {
      const e = report.error!;
      process.exitCode = printError(new TlorcError(e.code, e.message, { hint: e.hint, ...(e.issues ? { issues: e.issues } : {}), ...(e.path ? { path: e.path } : {}), ...(e.details ? { details: e.details } : {}) }), false);
      return;
    }
    const d = report.data!;
    const lines = [`${specPath}: valid`, `  data: ${d.classes.length} classes (${d.classes.slice(0, 8).map(printable).join(', ')}${d.classes.length > 8 ? ', ...' : ''}), ${d.train} train${d.val !== null ? ` / ${d.val} val` : ''} examples`];
    for (const n of d.notes ?? []) lines.push(`  note: ${printable(n)}`);
    if (opts.compile) lines.push(`  script: ${report.files!.join(', ')} compile with Python`);
    if (report.dryRun) lines.push(`  dry run: one batch forward and backward OK (${report.dryRun.durationS.toFixed(1)}s)`);
    for (const w of report.warnings ?? []) lines.push(`  warning${w.code ? ` ${w.code}` : ''}: ${printable(w.message)}`);
    process.stdout.write(lines.join('\n') + '\n');
  });
}
