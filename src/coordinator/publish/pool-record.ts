/**
 * A repository's record of the package files pkg2os itself put into its pool
 * (apt's pool/, yum's Packages/): for each, its size and mtime when written,
 * its sha256, and what was read of it (a Packages stanza, an rpm's NEVRA).
 * A file is listed only through this record, and checked against it with one
 * stat per publish; a file that is not in it is not pkg2os's.
 *
 * At 10,000 packages the record is megabytes; a publish that changes a few
 * entries appends them to a journal (`<record>.log`, one JSON line each)
 * instead of writing it all again, and the record is written anew (and the
 * journal removed) once the journal has grown to an eighth of it (a journal
 * without its record counts for nothing: the record is lost). A torn last
 * line (a publish killed while appending) is ignored: the file it named is
 * taken back into the record when it is published again, as before journals.
 */
import { statSync } from 'node:fs';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigest } from '../../digest.js';
import { PublishError } from '../../errors.js';
import { writeAtomic } from '../../fs-atomic.js';
import type { Logger } from '../../log.js';

export type RecordEntry<M> = M & { size: number; mtimeMs: number; sha256: string };

type JournalLine<M> = { set: [string, RecordEntry<M>] } | { delete: string };

export class PoolRecord<M> {
  /** Changes not saved yet, in order. */
  private pending: Array<JournalLine<M>> = [];

  private constructor(
    readonly path: string,
    private readonly entries: Map<string, RecordEntry<M>>,
    /** Whether a record was there to read (a lost record means the repository must be rebuilt from its signed indices). */
    readonly existed: boolean,
    private journalLines: number,
  ) {}

  static async load<M>(path: string): Promise<PoolRecord<M>> {
    const [text, journal] = await Promise.all([readFile(path, 'utf8').catch(() => undefined), readFile(`${path}.log`, 'utf8').catch(() => undefined)]);
    let data: Record<string, RecordEntry<M>> | undefined;
    try {
      data = text === undefined ? undefined : (JSON.parse(text) as Record<string, RecordEntry<M>>);
    } catch {
      data = undefined;
    }
    const entries = new Map(Object.entries(data ?? {}));
    let lines = 0;
    // A journal without its record is no record: it is rebuilt from the signed indices.
    for (const line of data === undefined ? [] : (journal ?? '').split('\n')) {
      if (!line) continue;
      let op: JournalLine<M>;
      try {
        op = JSON.parse(line) as JournalLine<M>;
      } catch {
        continue;
      }
      if ('set' in op) entries.set(op.set[0], op.set[1]);
      else entries.delete(op.delete);
      lines++;
    }
    return new PoolRecord(path, entries, data !== undefined, lines);
  }

  /**
   * A repository's record; a lost one (or one `usable` refuses, e.g. from an
   * older pkg2os) is rebuilt with `rebuild` from the last signed indices
   * (checked with the repository's key) when the pool holds files, never
   * from whatever files lie there: those no signed index names are not
   * pkg2os's, and are never listed.
   */
  static async recover<M>(path: string, options: { root: string; poolHasFiles: () => Promise<boolean>; rebuild: () => Promise<Array<[string, M & { sha256: string }]>>; logger: Logger; what: string; usable?: (record: PoolRecord<M>) => boolean }): Promise<PoolRecord<M>> {
    const loaded = await PoolRecord.load<M>(path);
    if ((loaded.existed && (options.usable?.(loaded) ?? true)) || !(await options.poolHasFiles())) return loaded;
    const record = new PoolRecord<M>(path, new Map(), false, 0);
    const listed = await options.rebuild();
    for (const [rel, entry] of listed) {
      const st = statSync(join(options.root, rel), { throwIfNoEntry: false });
      if (st) record.set(rel, { ...entry, size: st.size, mtimeMs: st.mtimeMs } as RecordEntry<M>);
    }
    options.logger.warn(`${options.what}: its pool's record was lost; rebuilt it from the signed indices (${listed.length} package(s)); other files there are not listed`);
    return record;
  }

  /**
   * Every file of the record under `root`, each checked with one stat (in a
   * plain loop: at 10,000 files some 20 ms; a promise per file costs ten
   * times that): a file deleted by hand leaves the record; a file whose size
   * or mtime changed must still have the bytes pkg2os wrote, or the publish
   * stops (PUBLISH_TAMPERED). Saves what changed.
   */
  async scan(root: string): Promise<Array<[string, RecordEntry<M>]>> {
    const out: Array<[string, RecordEntry<M>]> = [];
    for (const rel of this.files()) {
      const known = this.get(rel)!;
      const path = join(root, rel);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st?.isFile()) {
        this.delete(rel);
        continue;
      }
      if (known.size !== st.size || known.mtimeMs !== st.mtimeMs) {
        const sha256 = await fileDigest(path);
        if (sha256 !== known.sha256) {
          throw new PublishError('PUBLISH_TAMPERED', `The published file ${rel} is not the file pkg2os put there (its sha256 is ${sha256}, not ${known.sha256}); pkg2os will not publish over it.`, {
            hint: 'Find out who changed the repository; restore the file from a backup, or remove it and publish again.',
          });
        }
        this.set(rel, { ...known, mtimeMs: st.mtimeMs });
      }
      out.push([rel, this.get(rel)!]);
    }
    await this.save();
    return out;
  }

  get(rel: string): RecordEntry<M> | undefined {
    return this.entries.get(rel);
  }

  set(rel: string, entry: RecordEntry<M>): void {
    this.entries.set(rel, entry);
    this.pending.push({ set: [rel, entry] });
  }

  delete(rel: string): void {
    if (this.entries.delete(rel)) this.pending.push({ delete: rel });
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

  /** Save what changed: appended to the journal, or the whole record written anew when the journal would grow past an eighth of it. */
  async save(): Promise<void> {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    if ((this.journalLines + lines.length) * 8 <= this.entries.size) {
      await appendFile(`${this.path}.log`, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      this.journalLines += lines.length;
      return;
    }
    await writeAtomic(this.path, JSON.stringify(Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
    await rm(`${this.path}.log`, { force: true });
    this.journalLines = 0;
  }
}
