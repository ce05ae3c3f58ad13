/** Options several commands share. */
import { InvalidArgumentError, Option, type Command } from 'commander';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function specOptions(cmd: Command): Command {
  return cmd
    .option('--set <path=value>', 'override a spec field (repeatable), e.g. --set optimizer.learning_rate=1e-4; numbers, booleans, null and [lists] are read as YAML, other text stays as typed', collect, [])
    .option('--unset <path>', 'remove a spec field so its default applies (repeatable), e.g. --unset backbone.alpha', collect, []);
}

/** Parser for an integer option: a usage error (exit 2) when it is not a whole number >= min. */
export const wholeNumber = (min: number) => (value: string): string => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, found "${value}".`);
  return value.trim();
};

export const jsonOption = () => new Option('--json', 'machine-readable output (NDJSON events / JSON)');
