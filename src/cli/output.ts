/** How the CLI shows things: log lines on stderr, errors as one paragraph with a hint. */
import { err, outJson } from './terminal.js';
import type { Logger } from '../log.js';
import { ExitCode, isPkg2osError } from '../errors.js';
import { errorDocument } from './error-document.js';
import { isStorageFailure, storageError } from '../storage-errors.js';

/** Whether the command line asked for --json: then every failure is also one JSON document on stdout. */
let jsonOutput = false;

export function setJsonOutput(on: boolean): void {
  jsonOutput = on;
}

/** With --json, the failure as one JSON document on stdout (nothing else was printed there). */
export function printErrorDocument(error: unknown, usage?: { message: string }): void {
  if (jsonOutput) outJson(errorDocument(error, usage));
}

/** A logger that writes plain lines to stderr (stdout stays free for --json). */
export function stderrLogger(verbose: boolean): Logger {
  return {
    info: (m) => err(`pkg2os: ${m}\n`),
    warn: (m) => err(`pkg2os: warning: ${m}\n`),
    debug: (m) => {
      if (verbose) err(`pkg2os: ${m}\n`);
    },
  };
}

/**
 * Print an error for a user and return the exit code. Expected errors have no
 * stack trace. With --json the error is also a JSON document on stdout, unless
 * the command printed its own document (`json: false`).
 */
export function reportError(thrown: unknown, extra?: string, options: { json?: boolean } = {}): number {
  // A full or read-only file system wherever it struck is the user's to fix, not a bug.
  const error = isStorageFailure(thrown) ? storageError(thrown, 'a file') : thrown;
  if (options.json ?? true) printErrorDocument(error);
  if (isPkg2osError(error)) {
    const lines = [`pkg2os: error: ${error.message}`];
    if (error.detail) lines.push('pkg2os: its last lines of output:', ...error.detail.split('\n').map((l) => `  ${l}`));
    if (error.hint) lines.push(`pkg2os: hint: ${error.hint}`);
    if (extra) lines.push(`pkg2os: ${extra}`);
    err(`${lines.join('\n')}\n`);
    return error.exitCode;
  }
  err(`pkg2os: internal error (a bug in pkg2os; please report it with this output):\n${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.internal;
}

/** Wrap a command's action: an error becomes its one-paragraph report and the exit code. */
export function reporting<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}
