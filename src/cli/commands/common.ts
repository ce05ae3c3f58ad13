/** Options several commands share. */
import { Option, type Command } from 'commander';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function specOptions(cmd: Command): Command {
  return cmd
    .option('--set <path=value>', 'override a spec field (repeatable), e.g. --set optimizer.learning_rate=1e-4', collect, [])
    .option('--unset <path>', 'remove a spec field so its default applies (repeatable), e.g. --unset backbone.alpha', collect, []);
}

export const jsonOption = () => new Option('--json', 'machine-readable output (NDJSON events / JSON)');
