/**
 * A kind of repository (apt, yum) as a plugin: which package files it takes,
 * which of its repositories (an apt suite, a yum repository) a file belongs
 * to, how it makes and checks a new signed state beside the live one, the
 * client files that point at it, and what its signed indices list (for
 * `pkg2os explain`). Each family names its kind (families/<family>/…); the
 * kinds are found through one registry (coordinator/repositories/registry.ts).
 */
import type { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { TargetProfile } from '../../config/targets.js';
import type { Logger } from '../../log.js';
import type { Templates } from '../../families/shared/templates.js';
import type { Signer } from '../keys/signer.js';
import type { NamedRepoSettings } from './repo.types.js';
import type { PublicKeyFiles, StagedPublication } from './repo-publisher.js';
import type { RepositoryStorage } from './storage.js';

/** What a kind publishes with. */
export interface KindContext {
  settings: NamedRepoSettings;
  storage: RepositoryStorage;
  signer: Signer;
  logger: Logger;
  keys: PublicKeyFiles;
  /** Sign everything again even when nothing changed (a new key). */
  force: boolean;
  clock: Clock;
  /** The target of packages whose release carries none (pkg2os publish --target). */
  defaultTarget?: TargetProfile;
  /** The templates client files are rendered from. */
  templates: Templates;
  /** The channel new files go to (channels.ts; "default": the repository's original suites and directories). */
  channel: string;
  /** Promotion and rollback: the exact files one channel's repositories list after this publish (no files are added then). */
  exact?: ExactListing;
  /** Files (relative to the repository root) a kept snapshot names: never removed from the pool. */
  protect?: ReadonlySet<string>;
}

/** The exact state a channel is put into (promote, rollback): for each kind and target, the files its indices list. */
export interface ExactListing {
  channel: string;
  files: ReadonlyArray<{ kind: string; target: string; file: string; sha256: string }>;
}

/** A package file a kind's signed index lists, as `pkg2os explain` shows it. */
export interface ListedPackage {
  name: string;
  /** The distribution version as the index lists it. */
  version: string;
  arch: string;
  format: string;
  target: string;
  /** Path relative to the repository root. */
  file: string;
  /** The sha256 the signed index lists, which the file has. */
  sha256: string;
  /** The signed file that vouches for the index listing it. */
  index: string;
  /** What else to know of the file (an rpm is signed by the repository key when published). */
  note?: string;
  /** The channel whose index lists it. */
  channel: string;
}

/** What client files say: where clients reach the repository, the key they pin, its names. */
export interface ClientView {
  /** Without a trailing slash. */
  baseUrl: string;
  fingerprint: string;
  origin: string;
  label: string;
  /** A name for files on clients: the organization's, in lower case. */
  repoId: string;
}

export interface RepositoryKind<S = unknown> {
  /** "apt", "yum": what families name, and the key of its summaries in report.json. */
  readonly name: string;
  /** Its folder under the repository root ("deb", "rpm"). */
  readonly dir: string;
  /** What report.json says of one of its repositories after a publish. */
  readonly summarySchema: z.ZodType<S>;
  /** Whether a package file is one of this kind's (its suffix). */
  accepts(file: string): boolean;
  /** Start reading the files' metadata while the key is unlocked (optional; `prepare` gets the result). */
  readEarly?(files: readonly string[]): Promise<unknown>;
  /** Whether the root already holds repositories of this kind (they are signed again, with a new key, even when no file comes). */
  exists(storage: RepositoryStorage): Promise<boolean>;
  /**
   * Add `files` and make a new signed state of every repository of this
   * kind, checked as a client would check it; nothing a client reads changes
   * until `switchOver()`, and `discard()` takes back what was added.
   */
  prepare(files: readonly string[], context: KindContext, early?: unknown): Promise<StagedPublication<S[]>>;
  /** Its repositories' client files (name → text), for every repository the root holds. */
  clientFiles(context: Pick<KindContext, 'settings' | 'storage' | 'templates'>, view: ClientView): Promise<Record<string, string>>;
  /** A summary's line for the log. */
  describe(summary: S): string;
  /** What its signed indices list, each index checked with gpgv against `keyring` (and each file against its index, unless hashFiles is false). */
  listed(storage: RepositoryStorage, keyring: string, options?: { hashFiles?: boolean }): Promise<ListedPackage[]>;
  /** Whether a build record (its file's name, format, target, sha256, payload digest) stands for a listed file. */
  matchesRecord(storage: RepositoryStorage, listed: ListedPackage, record: { sha256: string; payloadDigest?: string }): Promise<boolean>;
}
