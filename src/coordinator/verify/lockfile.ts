/**
 * `pkg2os.lock`: what was verified, per project and file: version, sha256 and
 * the signer's fingerprint. YAML, sorted, one line per fact, so that a diff
 * shows exactly what changed upstream. Later runs must match it.
 */
import { readFile } from 'node:fs/promises';
import { writeAtomic } from '../../fs-atomic.js';
import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError, LockfileError } from '../../errors.js';
import { describeIssues } from '../../config/recipes.js';
import type { LockfileCheck } from './checks.js';

const entrySchema = z
  .object({
    version: z.string(),
    filename: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    signer: z.string().regex(/^[0-9A-F]{40,64}$/).nullable(),
    /** Set for a file fetched as a build requirement (a backend or one of its dependencies), not as a package. */
    for: z.literal('build').optional(),
    /** The Trusted Publisher whose PEP 740 attestation was verified, and the source it names. */
    publisher: z.string().optional(),
    source: z.object({ repository: z.string().nullable(), ref: z.string().nullable(), commit: z.string().nullable() }).strict().optional(),
  })
  .strict();
const lockSchema = z
  .object({
    'lockfile-version': z.literal(1),
    packages: z.record(z.string(), z.array(entrySchema)),
  })
  .strict();

export type LockEntry = z.infer<typeof entrySchema>;
export type LockStatus = 'recorded' | 'matched' | 'signer-added' | 'signer-accepted' | 'publisher-added' | 'publisher-accepted';

export interface LockOptions {
  /** Refuse anything not in the lockfile, and never write it (like `npm ci`). */
  frozen: boolean;
  /** Accept (and record) a signer other than the locked one. */
  acceptNewSigner: boolean;
  /** Accept (and record) a Trusted Publisher other than the locked one. */
  acceptNewPublisher?: boolean;
}

const HEADER = `# pkg2os.lock: the upstream files pkg2os verified, with their sha256 and signer.
# Commit it and review its diffs: a changed hash or signer is a change upstream
# made, or someone between upstream and you. Written by pkg2os; edit with care.

`;

export class Lockfile {
  private changed = false;

  private constructor(
    readonly path: string,
    private readonly packages: Map<string, LockEntry[]>,
    readonly existed: boolean,
  ) {}

  /** Read the lockfile; a missing one is empty. */
  static async load(path: string): Promise<Lockfile> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Lockfile(path, new Map(), false);
      throw new ConfigError('INVALID_CONFIG', `Cannot read the lockfile ${path}: ${(error as Error).message}.`, { cause: error });
    }
    let parsed;
    try {
      parsed = lockSchema.safeParse(parseYaml(text));
    } catch (error) {
      throw new ConfigError('INVALID_CONFIG', `The lockfile ${path} is not valid YAML: ${(error as Error).message}`, { cause: error });
    }
    if (!parsed.success) {
      throw new ConfigError('INVALID_CONFIG', `The lockfile ${path} is damaged: ${describeIssues(parsed.error.issues)}.`, {
        hint: 'Restore it from version control; pkg2os will not guess what it should have said.',
      });
    }
    return new Lockfile(path, new Map(Object.entries(parsed.data.packages)), true);
  }

  /** The locked entries of a project. */
  entries(project: string): readonly LockEntry[] {
    return this.packages.get(project) ?? [];
  }

  /**
   * Compare a verified file with the lockfile and record it when new. Throws
   * `LockfileError` when it differs; returns the evidence otherwise.
   */
  check(project: string, entry: LockEntry, options: LockOptions): LockfileCheck {
    const entries = this.packages.get(project) ?? [];
    const locked = entries.find((e) => e.filename === entry.filename);
    const detail = { path: this.path, frozen: options.frozen };
    if (!locked) {
      if (options.frozen) {
        throw new LockfileError('NOT_IN_LOCKFILE', `${entry.filename} (${project} ${entry.version}) is not in ${this.path}, and --frozen builds only what the lockfile holds.`, {
          hint: 'Run once without --frozen to lock it (and review the lockfile diff), or build a version that is locked.',
        });
      }
      // A new release must come from the publisher the project's locked releases came from: a release made elsewhere, or without provenance where there was some, is the attack this stops.
      const previous = [...entries].reverse().find((e) => e.publisher && e.for === entry.for);
      let status: LockStatus = 'recorded';
      if (previous && previous.publisher !== entry.publisher) {
        this.refusePublisher(entry, previous, options, 'the releases locked before');
        status = 'publisher-accepted';
      }
      this.set(project, [...entries, entry]);
      return { kind: 'lockfile', result: 'pass', detail: { ...detail, status } };
    }
    if (locked.sha256 !== entry.sha256) {
      throw new LockfileError('LOCK_MISMATCH', `Upstream artifact changed since it was locked: ${entry.filename} had sha256 ${locked.sha256} in ${this.path}, but the index now serves a file with sha256 ${entry.sha256}.`, {
        hint: 'Published files never change on a sound index, so treat this as tampering until proven otherwise. If upstream confirms a re-release, review it and delete the entry from the lockfile.',
      });
    }
    let status: LockStatus = 'matched';
    if (locked.signer !== entry.signer) {
      if (locked.signer === null) {
        status = 'signer-added';
      } else if (options.acceptNewSigner && !options.frozen) {
        status = 'signer-accepted';
      } else {
        throw new LockfileError('SIGNER_CHANGED', `${entry.filename} was signed by ${locked.signer} when it was locked, but ${entry.signer ? `is now signed by ${entry.signer}` : 'now carries no verified signature'}.`, {
          hint: entry.signer ? 'If upstream announced the new key, run again with --accept-new-signer to record it.' : 'Find out why the signature is gone; --accept-new-signer records the change if it is expected.',
        });
      }
      this.set(project, entries.map((e) => (e === locked ? { ...locked, signer: entry.signer } : e)));
    }
    if (locked.publisher !== entry.publisher) {
      if (!locked.publisher) status = 'publisher-added';
      else {
        this.refusePublisher(entry, locked, options, 'it when it was locked');
        status = 'publisher-accepted';
      }
      this.set(project, (this.packages.get(project) ?? []).map((e) => (e.filename === entry.filename ? { ...e, publisher: entry.publisher, source: entry.source } : e)));
    }
    return { kind: 'lockfile', result: 'pass', detail: { ...detail, status } };
  }

  private refusePublisher(entry: LockEntry, locked: LockEntry, options: LockOptions, what: string): void {
    if (options.acceptNewPublisher && !options.frozen) return;
    throw new LockfileError('PUBLISHER_CHANGED', `${entry.filename} ${entry.publisher ? `was published by ${entry.publisher}` : 'carries no verified provenance'}, but ${locked.publisher} (${locked.filename}) published ${what}${locked.source?.repository ? `, from ${locked.source.repository}` : ''}.`, {
      hint: entry.publisher
        ? 'Treat this release as suspect until the project confirms it moved its publishing; then run again with --accept-new-publisher to record the new publisher.'
        : 'Find out why the provenance is gone (a release made outside the Trusted Publisher?); --accept-new-publisher records the change if it is expected.',
    });
  }

  private set(project: string, entries: LockEntry[]): void {
    this.packages.set(project, entries);
    this.changed = true;
  }

  /** Write it (sorted, temp + rename) if anything changed. */
  async save(): Promise<boolean> {
    if (!this.changed) return false;
    const packages: Record<string, LockEntry[]> = {};
    for (const project of [...this.packages.keys()].sort()) {
      packages[project] = [...this.packages.get(project)!].sort((a, b) => (a.filename < b.filename ? -1 : 1));
    }
    const text = HEADER + stringify({ 'lockfile-version': 1, packages }, { lineWidth: 0 });
    await writeAtomic(this.path, text);
    this.changed = false;
    return true;
  }
}
