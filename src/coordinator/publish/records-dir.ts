/**
 * Where a repository keeps the build record of each package file it
 * publishes: `<root>/.pkg2os/records/<target>/<file name>.json` (a file name
 * is published once per target, with one set of bytes). The records'
 * contents are the pipeline's (pipeline/records.ts); publishing only keeps
 * them, and a file already recorded keeps its first record.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeAtomic } from '../../fs-atomic.js';

export interface RecordText {
  target: string;
  /** The package file's name, as published (its pool or Packages/ name). */
  name: string;
  text: string;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._~+:-]*$/;

export function recordPath(root: string, target: string, name: string): string | undefined {
  return SAFE.test(target) && SAFE.test(name) && basename(name) === name ? join(root, '.pkg2os', 'records', target, `${name}.json`) : undefined;
}

export async function keepRecords(root: string, records: readonly RecordText[]): Promise<void> {
  for (const { target, name, text } of records) {
    const path = recordPath(root, target, name);
    if (!path || (await readFile(path).catch(() => undefined))) continue;
    await writeAtomic(path, text);
  }
}
