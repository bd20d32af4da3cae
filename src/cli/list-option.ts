import { InvalidArgumentError } from 'commander';

/**
 * A repeatable, comma-separated option (`--target a,b --target c`) as
 * commander's argParser: the values so far and these. An empty name
 * (`--target ''`, `a,,b`) is a usage error, not "the default".
 */
export function collect(value: string, previous: string[] | undefined): string[] {
  const names = value.split(',').map((v) => v.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError(`"${value}" holds an empty name; give names separated by commas.`);
  return [...(previous ?? []), ...names];
}

/** A single value that must not be empty (`--target ''` is a usage error). */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('it is empty; give a name.');
  return value.trim();
}
