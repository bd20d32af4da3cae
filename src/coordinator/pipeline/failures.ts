/**
 * What failed in a run, with the error object kept until report.json is
 * written: a package's own error, or the dependency (or cycle member) whose
 * failure it shares.
 */
import { type ExitCode, type Pkg2osError } from '../../errors.js';
import type { FailureReport } from './report.js';

export interface Failure {
  project: string;
  version?: string;
  target: string;
  requiredBy: string[];
  /** Its own error; absent when it failed because `becauseOf` did. */
  error?: Pkg2osError;
  /** The dependency whose failure it shares, with that failure. */
  becauseOf?: { project: string; failure: Failure };
  /** Built, then dropped because a member of its dependency cycle failed. */
  afterwards?: boolean;
  /** Its build log, relative to the output directory. */
  log?: string;
}

/** The failure at the root of a chain of dependency failures. */
export function rootCause(failure: Failure): Failure {
  let f = failure;
  while (f.becauseOf) f = f.becauseOf.failure;
  return f;
}

function message(f: Failure): string {
  if (f.error) return f.error.message;
  const dep = f.becauseOf!;
  const cause = rootCause(f);
  const why = cause.error ? ` (${cause.project}: ${cause.error.message})` : '';
  return f.afterwards ? `${f.project} was not kept: its dependency ${dep.project} failed${why}.` : `${f.project} was not built: dependency ${dep.project} failed${why}.`;
}

export function toFailureReport(f: Failure): FailureReport {
  const own = f.error;
  return {
    project: f.project,
    ...(f.version !== undefined ? { version: f.version } : {}),
    target: f.target,
    requiredBy: f.requiredBy,
    code: own?.code ?? 'DEPENDENCY_FAILED',
    exitCode: (own ?? rootCause(f).error)?.exitCode ?? 4,
    message: message(f),
    ...(own?.detail ? { detail: own.detail } : {}),
    ...(f.becauseOf ? { becauseOf: f.becauseOf.project } : {}),
    ...(f.log ? { log: f.log } : {}),
  };
}

/** The exit code of a run with failures: that of the first failure with an error of its own. */
export function exitCodeOf(failures: readonly Failure[]): ExitCode {
  const first = failures.find((f) => f.error) ?? failures[0];
  return (first && (first.error ?? rootCause(first).error)?.exitCode) ?? 4;
}
