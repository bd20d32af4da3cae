/**
 * Version retention: the indices list the newest N versions of each package
 * (per architecture); older ones leave the indices at once, and their files
 * leave the pool only after the by-hash retention window, so that a client
 * still reading an index published before (within that window) can fetch
 * every file it lists.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../../fs-atomic.js';

/**
 * Split `items` into those the indices list and the rest: per group (package
 * and architecture), the newest build of each of the newest `keep` upstream
 * versions. An older build of the same upstream version (a lower Debian
 * revision / RPM release) is superseded at once. keep = 0 keeps all.
 */
export function selectRetained<T>(
  items: readonly T[],
  group: (item: T) => string,
  compare: (a: T, b: T) => number,
  upstream: (item: T) => string,
  keep: number,
): { kept: T[]; retired: T[] } {
  if (keep <= 0) return { kept: [...items], retired: [] };
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const g = group(item);
    groups.set(g, [...(groups.get(g) ?? []), item]);
  }
  const kept = new Set<T>();
  for (const members of groups.values()) {
    const seen = new Set<string>();
    for (const item of [...members].sort((a, b) => compare(b, a))) {
      const u = upstream(item);
      if (seen.has(u) || seen.size >= keep) continue;
      seen.add(u);
      kept.add(item);
    }
  }
  return { kept: items.filter((i) => kept.has(i)), retired: items.filter((i) => !kept.has(i)) };
}

/**
 * When each file of a repository (apt's deb/, yum's rpm/) left the indices
 * (ms since the epoch), kept in `<root>/.pkg2os/retired.json`, written only
 * when a publish commits.
 */
export class RetiredFiles {
  private constructor(
    private readonly root: string,
    private readonly path: string,
    private readonly since: Map<string, number>,
  ) {}

  /** The record of the repository rooted at `root` (file names are relative to it). */
  static async load(root: string): Promise<RetiredFiles> {
    const path = join(root, '.pkg2os', 'retired.json');
    const text = await readFile(path, 'utf8').catch(() => '{}');
    let data: Record<string, number> = {};
    try {
      data = JSON.parse(text);
    } catch {
      // A damaged record only delays removal: every retired file counts from now.
    }
    return new RetiredFiles(root, path, new Map(Object.entries(data).filter(([, v]) => typeof v === 'number')));
  }

  /** Record the files retired now (those already recorded keep their time), forget the ones back in the indices or gone; returns the newly retired. */
  update(retired: readonly string[], now: number): string[] {
    const current = new Set(retired);
    for (const file of [...this.since.keys()]) if (!current.has(file)) this.since.delete(file);
    const fresh = retired.filter((file) => !this.since.has(file));
    for (const file of fresh) this.since.set(file, now);
    return fresh;
  }

  /**
   * Delete the files retired longer ago than `windowMs` (no index a client
   * may still hold lists them any more) and save the record; returns them.
   */
  async removeDue(windowMs: number, now: number, keep: (file: string) => boolean = () => false): Promise<string[]> {
    // A file a kept snapshot names stays (a rollback may list it again); it is removed once no kept snapshot does.
    const due = [...this.since].filter(([f, t]) => now - t >= windowMs && !keep(f)).map(([f]) => f).sort();
    for (const file of due) {
      await rm(join(this.root, file), { force: true });
      this.since.delete(file);
    }
    await writeAtomic(this.path, `${JSON.stringify(Object.fromEntries([...this.since].sort()), null, 1)}\n`);
    return due;
  }
}
