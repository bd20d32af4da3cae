/** What a build is asked to do: the contract between the command line (or a config file) and the pipeline. */
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Requirement } from '../pep/requirement.js';
import type { BuildLimits } from './build-limits.js';
import type { SignaturePolicy } from './recipes.js';
import type { PackageFormat, TargetProfile } from './targets.js';

/** A package's place in a repository, for choosing its release. */
export interface ReleaseSlot {
  target: string;
  format: string;
  package: string;
  version: string;
}

/** Which release a rebuild of a published version gets (the repository's release ledger). */
export interface ReleaseSource {
  releaseFor(slot: ReleaseSlot, inputs: string, base: number): number;
}

export interface BuildRequest {
  requirements: Requirement[];
  indexUrl: string;
  allowInsecureIndex: boolean;
  targets: TargetProfile[];
  formats: PackageFormat[];
  outDir: string;
  maintainer: string;
  /** The lowest release; the repository's ledger may choose a higher one. */
  release: number;
  pre: boolean;
  maxDownloadBytes?: number;
  /** Retries and timeouts of index reads, and the largest page (index-limits:, --retries). */
  index?: { retries?: number; connectTimeoutMs?: number; readTimeoutMs?: number; maxPageBytes?: number };
  keepWork?: boolean;
  logger?: Logger;
  /** Global signature policy; a recipe's `signature:` wins for its project. */
  signaturePolicy: SignaturePolicy;
  /** Global PEP 740 provenance policy; a recipe's `provenance:` wins for its project. */
  provenancePolicy?: SignaturePolicy;
  keysDir: string;
  /** The user's recipe directories (pkg2os's own recipes/ is always searched last). */
  recipeDirs?: string[];
  /** Lockfile path; undefined disables the lockfile. */
  lockfile?: string;
  frozen?: boolean;
  acceptNewSigner?: boolean;
  acceptNewPublisher?: boolean;
  /** Build only the named requirements. */
  noDeps?: boolean;
  /** Parallel builds (default: the number of cores). */
  jobs?: number;
  /** Content-addressed cache of metadata and built packages; undefined: none. */
  cacheDir?: string;
  /** The target repository's releases: a changed build of a published version gets the next release. */
  releases?: ReleaseSource;
  /** Limits on sandboxed builds, their logs and their wheels (default: DEFAULT_BUILD_LIMITS). */
  limits?: BuildLimits;
  /** Build the wheels through a build farm (`--queue`, `--store`) instead of here. */
  farm?: FarmSettings;
  /** pkg2os's own places (keys, cache, output, repository, configuration, pkg2os itself): hidden from every sandbox even where they lie in a tree it sees. */
  hidden?: string[];
  /** A directory of templates that override pkg2os's own, file by file (`--templates-dir`, `templates-dir:`). */
  templatesDir?: string;
  /** Targets whose packages may be built with the host's Python when no root of theirs can be made (--host-python). */
  hostPython?: string[];
  /** How build requirements are chosen (a recipe's wins for its project). */
  buildRequirements?: 'newest' | 'distribution-first';
  /** Build requirements to take from the index at exactly these versions (normalized name → version), as a published build had them (verify-build). */
  buildPins?: ReadonlyMap<string, string>;
  /** Build roots by target (`roots:` in pkg2os.config.yaml). */
  roots?: Record<string, RootSettings>;
  /** Where what pkg2os learns of the target releases is kept (`state-dir:`, PKG2OS_STATE_DIR). */
  stateDir?: string;
  /** Whether a target's release data must be had (`required`) or is used when it can be (`if-available`, with a warning when not). */
  releaseCheck?: 'required' | 'if-available';
}

/** A build farm: its queue (Redis), its artifact store, and how long a job may wait for a worker. */
export interface FarmSettings {
  queue: string;
  store: string;
  /** How long a job may wait with no worker serving its queue (ms). */
  waitForWorkerMs: number;
  /** Retries of a job whose worker failed (a worker killed, a lost connection); also bounds the jobs submitted again after refused results. */
  attempts?: number;
  /** Where `pkg2os farm trust add` pins workers (`<keys-dir>/farm-workers`). */
  keysDir: string;
  /** Workers pinned in the configuration (`farm-workers:`): name → public key file. */
  workers?: Record<string, string>;
  /** How many distinct pinned workers must build byte-identical wheels (--agree; default 1). */
  agree?: number;
  /** Allow a queue on another host without a password. */
  allowOpenQueue?: boolean;
}

/** Where a target's build root comes from. */
export interface RootSettings {
  /** The archive a Debian-family root is made from (default: the target's). */
  mirror?: string;
  /** The keyring a Debian-family archive's Release is checked with (default: the distribution's). */
  keyring?: string;
  /** The repositories an RPM-family root is made from (default: the target's), and the key (a file) that signs their packages. */
  repos?: string[];
  gpgkey?: string;
  /** Packages the root holds besides the default set (compilers, headers and tools some projects need). */
  packages?: string[];
  /** A root filesystem to use as it is. */
  path?: string;
}

/** Where a project's build log is kept, relative to <out>. */
export function logName(project: string, version: string): string {
  return join('logs', `${project}-${version}.log`);
}
