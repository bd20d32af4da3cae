/**
 * A repository's record of the package files pkg2os itself put into its pool
 * (apt's pool/, yum's Packages/): for each, its size and mtime when written,
 * its sha256, and what was read of it (a Packages stanza, an rpm's NEVRA).
 * A file is listed only through this record, and checked against it with one
 * stat per publish; a file that is not in it is not pkg2os's.
 */
import { readFile } from 'node:fs/promises';
import { writeAtomic } from '../fs-atomic.js';

export type RecordEntry<M> = M & { size: number; mtimeMs: number; sha256: string };

export class PoolRecord<M> {
  private dirty = false;

  private constructor(
    readonly path: string,
    private readonly entries: Map<string, RecordEntry<M>>,
    /** Whether a record was there to read (a lost record means the repository must be rebuilt from its signed indices). */
    readonly existed: boolean,
  ) {}

  static async load<M>(path: string): Promise<PoolRecord<M>> {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    let data: Record<string, RecordEntry<M>> | undefined;
    try {
      data = text === undefined ? undefined : (JSON.parse(text) as Record<string, RecordEntry<M>>);
    } catch {
      data = undefined;
    }
    return new PoolRecord(path, new Map(Object.entries(data ?? {})), data !== undefined);
  }

  get(rel: string): RecordEntry<M> | undefined {
    return this.entries.get(rel);
  }

  set(rel: string, entry: RecordEntry<M>): void {
    this.entries.set(rel, entry);
    this.dirty = true;
  }

  delete(rel: string): void {
    if (this.entries.delete(rel)) this.dirty = true;
  }

  /** Paths relative to the repository root, sorted. */
  files(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The entry holding these exact bytes, if any. */
  bySha256(sha256: string): [string, RecordEntry<M>] | undefined {
    for (const item of this.entries) if (item[1].sha256 === sha256) return item;
    return undefined;
  }

  /** Written only when something changed (at 10,000 packages the record is megabytes). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    await writeAtomic(this.path, JSON.stringify(Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
    this.dirty = false;
  }
}
