/**
 * The error families of pkg2os. Every error a user can cause is a `Pkg2osError`
 * with a stable `code`, a one-paragraph message and, where useful, a hint that
 * says what to do. Only the CLI prints errors; it maps the family to an exit code.
 */

/** Exit codes are a contract that scripts depend on; documented in README.md. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  verification: 3,
  build: 4,
  missingTool: 5,
  index: 6,
  publish: 7,
  farm: 8,
  storage: 9,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means (docs/reference.md is generated from this). */
export const EXIT_CODE_MEANINGS: Record<ExitCode, string> = {
  0: 'success',
  1: 'internal error (a bug in pkg2os: the only case that prints a stack trace)',
  2: 'usage or configuration error (bad requirement, unknown target, bad config, insecure index URL, missing or locked signing key, wrong passphrase)',
  3: 'verification failure (hash mismatch, no hash published, bad/missing/unknown signature, revoked or expired key, provenance missing, invalid or by an unpinned or other publisher, lockfile mismatch, unsafe or corrupt archive)',
  4: 'build failure (wheel build, missing build backend, staging, packaging, a build that timed out, a wheel or staged tree refused as unsafe)',
  5: 'a required system tool is missing (the message names the Debian package)',
  6: 'index error (unreachable, HTTP error, no such project, nothing matches, conflicting requirements)',
  7: 'publishing failed (its own signature check, a conflicting package, another key, another publisher holding the lock, a publishing tool failing, a published file changed by someone else); the repository is as it was',
  8: 'the build farm failed the run (its queue unreachable or restarted without its jobs, no worker for a target, an artifact whose bytes are not its digest); nothing was published',
  9: 'a file system is full (ENOSPC, EDQUOT) or read-only (EROFS): the message names it and how much was needed; what was half-written is removed, and a repository is as it was',
};

export type ErrorCode =
  // configuration and usage
  | 'USAGE'
  | 'INVALID_REQUIREMENT'
  | 'INVALID_VERSION'
  | 'UNKNOWN_TARGET'
  | 'INVALID_CONFIG'
  | 'INSECURE_INDEX'
  // index and HTTP
  | 'INDEX_UNREACHABLE'
  | 'INDEX_HTTP'
  | 'INDEX_MALFORMED'
  | 'PROJECT_NOT_FOUND'
  | 'NO_MATCHING_DISTRIBUTION'
  | 'RESOLUTION_CONFLICT'
  // integrity (hash and archive safety)
  | 'HASH_MISSING'
  | 'HASH_MISMATCH'
  | 'UNSAFE_ARCHIVE'
  | 'ARCHIVE_TOO_LARGE'
  | 'UNSUPPORTED_ARCHIVE'
  // upstream signatures and the lockfile
  | 'SIGNATURE_MISSING'
  | 'MALFORMED_SIGNATURE'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_SIGNER'
  | 'NO_PINNED_KEY'
  | 'KEY_REVOKED'
  | 'KEY_EXPIRED'
  | 'SIGNATURE_IN_FUTURE'
  | 'LOCK_MISMATCH'
  | 'SIGNER_CHANGED'
  | 'NOT_IN_LOCKFILE'
  | 'INVALID_KEY'
  // PEP 740 provenance
  | 'PROVENANCE_MISSING'
  | 'PROVENANCE_INVALID'
  | 'NO_PINNED_PUBLISHER'
  | 'UNTRUSTED_PUBLISHER'
  | 'PUBLISHER_CHANGED'
  // the organization's signing key and publishing
  | 'SIGNING_KEY_MISSING'
  | 'SIGNING_KEY_INVALID'
  | 'BAD_PASSPHRASE'
  | 'KEY_EXISTS'
  | 'PUBLISH_LOCKED'
  | 'PUBLISH_CONFLICT'
  | 'PUBLISH_SELF_CHECK'
  | 'PUBLISH_FAILED'
  | 'PUBLISH_TAMPERED'
  // build
  | 'MISSING_BUILD_BACKEND'
  | 'BUILD_FAILED'
  | 'BUILD_TIMEOUT'
  | 'BUILD_LIMIT'
  | 'UNSAFE_WHEEL'
  | 'EXTENSION_MISSING'
  | 'UNSAFE_PACKAGE'
  | 'INVALID_METADATA'
  | 'UNSUPPORTED_TARGET'
  | 'PACKAGING_FAILED'
  // the build farm
  | 'QUEUE_UNREACHABLE'
  | 'JOB_LOST'
  | 'NO_WORKER'
  | 'ARTIFACT_MISSING'
  | 'ARTIFACT_TAMPERED'
  | 'REMOTE_BUILD_FAILED'
  | 'NO_PINNED_WORKER'
  | 'RESULT_REFUSED'
  | 'NO_AGREEMENT'
  | 'BUILDS_DISAGREE'
  | 'OPEN_QUEUE'
  | 'WORKER_IDENTITY'
  // checking a published package by building it again
  | 'NOT_REPRODUCED'
  // a package failed because its dependency did (report.json only)
  | 'DEPENDENCY_FAILED'
  // tools
  | 'TOOL_MISSING'
  | 'TOOL_FAILED'
  // file systems
  | 'DISK_FULL'
  | 'READ_ONLY'
  // a bug in pkg2os
  | 'INTERNAL';

export interface ErrorOptions {
  cause?: unknown;
  /** What the user can do about it, printed after the message. */
  hint?: string;
  /** Supporting text kept apart from the one-paragraph message: a tool's last lines of output. */
  detail?: string;
}

/** Base class of every expected error. */
export abstract class Pkg2osError extends Error {
  abstract readonly exitCode: ExitCode;
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.detail = options.detail;
  }
}

/** Bad command line, configuration or input value (exit 2). */
export class ConfigError extends Pkg2osError {
  readonly exitCode = ExitCode.usage;
}

/** The index could not be read or has nothing that matches (exit 6). */
export class IndexError extends Pkg2osError {
  readonly exitCode = ExitCode.index;
}

/** A downloaded artifact is not what the index said, or is unsafe to open (exit 3). */
export class IntegrityError extends Pkg2osError {
  readonly exitCode = ExitCode.verification;
}

/** An upstream signature is missing, bad, or from a key that is not trusted (exit 3). */
export class SignatureError extends Pkg2osError {
  readonly exitCode = ExitCode.verification;
}

/** The artifact or its signer differs from what the lockfile recorded (exit 3). */
export class LockfileError extends Pkg2osError {
  readonly exitCode = ExitCode.verification;
}

/** Building the wheel, staging it or packaging it failed (exit 4). */
export class BuildError extends Pkg2osError {
  readonly exitCode = ExitCode.build;
}

/** The build farm (its queue, its store, its workers) failed the run; nothing was published (exit 8). */
export class FarmError extends Pkg2osError {
  readonly exitCode = ExitCode.farm;
}

/** Publishing a repository failed; the previous state is untouched (exit 7). */
export class PublishError extends Pkg2osError {
  readonly exitCode = ExitCode.publish;
}

/** A file system is full or read-only (exit 9): nothing half-written stays. */
export class StorageError extends Pkg2osError {
  readonly exitCode = ExitCode.storage;
}

/** A system tool is not installed (exit 5). */
export class ToolMissingError extends Pkg2osError {
  readonly exitCode = ExitCode.missingTool;
}

/** The stage a tool runs in decides what its failure means: exit 4 while building, 7 while publishing. */
export type ToolPhase = 'build' | 'publish';

/** A system tool ran and failed: exit 4 while building or packaging, 7 while publishing. */
export class ToolError extends Pkg2osError {
  readonly exitCode: ExitCode;
  /** Whether it failed while building (exit 4) or while publishing (exit 7). */
  readonly phase: ToolPhase;
  constructor(
    message: string,
    readonly command: string,
    readonly exitStatus: number | undefined,
    /** The last lines of its output (also in `detail`). */
    readonly outputTail: string,
    options: ErrorOptions & { phase?: ToolPhase } = {},
  ) {
    super('TOOL_FAILED', message, { detail: outputTail, ...options });
    this.phase = options.phase ?? 'build';
    this.exitCode = this.phase === 'publish' ? ExitCode.publish : ExitCode.build;
  }
}

/** Type guard used by the CLI and by tests. */
export function isPkg2osError(error: unknown): error is Pkg2osError {
  return error instanceof Pkg2osError;
}
