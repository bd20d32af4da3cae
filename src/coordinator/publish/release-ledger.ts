/**
 * Which Debian revision / RPM release each published (target, format,
 * package, upstream version) has, and from which inputs it was built
 * (`<root>/.pkg2os/releases.json`). A rebuild of the same upstream version
 * from the same inputs gets the same release (and the same bytes); from
 * changed inputs (recipe, templates, build environment, dependencies) it gets
 * the next release, so a published version never changes its bytes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PublishError } from '../../errors.js';
import { writeAtomic } from '../../fs-atomic.js';

export interface LedgerEntry {
  release: number;
  /** Digest of everything that shaped the package besides its release. */
  inputs: string;
}

/** What a build chose, to record once it is published. */
export interface ReleaseChoice extends LedgerEntry {
  target: string;
  format: string;
  package: string;
  version: string;
}

const slot = (c: { target: string; format: string; package: string; version: string }) => `${c.target} ${c.format} ${c.package} ${c.version}`;

export class ReleaseLedger {
  private constructor(
    readonly path: string,
    private readonly entries: Map<string, LedgerEntry>,
  ) {}

  /** The ledger of a repository root (empty when there is none yet). */
  static async load(root: string): Promise<ReleaseLedger> {
    const path = join(root, '.pkg2os', 'releases.json');
    const text = await readFile(path, 'utf8').catch(() => '{}');
    let data: Record<string, LedgerEntry>;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new PublishError('PUBLISH_FAILED', `The release ledger ${path} is not valid JSON, so pkg2os cannot tell which releases are published.`, {
        hint: 'Restore it from a backup of the repository; without it a changed build could reuse a published release number.',
        cause: error,
      });
    }
    return new ReleaseLedger(path, new Map(Object.entries(data)));
  }

  /**
   * The release to build: the recorded one when the inputs are the same, the
   * next one when they changed, else `base`.
   */
  releaseFor(slotOf: Omit<ReleaseChoice, 'release' | 'inputs'>, inputs: string, base: number): number {
    const entry = this.entries.get(slot(slotOf));
    if (!entry) return base;
    if (entry.inputs === inputs) return Math.max(entry.release, base);
    return Math.max(entry.release + 1, base);
  }

  /** Record what was published; a lower release never replaces a higher one. */
  record(choices: readonly ReleaseChoice[]): boolean {
    let changed = false;
    for (const c of choices) {
      const existing = this.entries.get(slot(c));
      if (existing && (existing.release > c.release || (existing.release === c.release && existing.inputs === c.inputs))) continue;
      this.entries.set(slot(c), { release: c.release, inputs: c.inputs });
      changed = true;
    }
    return changed;
  }

  async save(): Promise<void> {
    await writeAtomic(this.path, `${JSON.stringify(Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : 1))), null, 1)}\n`);
  }
}
