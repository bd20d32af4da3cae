/**
 * What `--json` prints on stdout when a command fails without a report of its
 * own (a usage error, a verification failure, an index error, a missing tool,
 * a bug): one JSON document with the error's code, exit code, message and
 * hint. Published as schemas/error.schema.json.
 */
import { z } from 'zod';
import { ExitCode, isPkg2osError } from '../errors.js';
import { PKG2OS_VERSION } from '../version.js';

export const errorDocumentSchema = z
  .object({
    pkg2os: z.string(),
    error: z
      .object({
        code: z.string().describe('the error code (README.md, "Exit codes"); INTERNAL for a bug in pkg2os'),
        exitCode: z.number().int().min(1).max(255),
        message: z.string(),
        hint: z.string().optional().describe('what to do about it'),
        detail: z.string().optional().describe('the last lines of a tool\'s output'),
      })
      .strict(),
  })
  .strict();

export type ErrorDocument = z.infer<typeof errorDocumentSchema>;

/** The published JSON Schema (schemas/error.schema.json). */
export function errorJsonSchema(): object {
  return { title: 'pkg2os --json on failure', ...z.toJSONSchema(errorDocumentSchema) };
}

/** The document of an error: an expected one as it is, anything else as INTERNAL (its stack goes to stderr). */
export function errorDocument(error: unknown, usage?: { message: string }): ErrorDocument {
  if (usage) return { pkg2os: PKG2OS_VERSION, error: { code: 'USAGE', exitCode: ExitCode.usage, message: usage.message, hint: 'Run pkg2os --help (or pkg2os COMMAND --help) for usage.' } };
  if (isPkg2osError(error)) {
    return { pkg2os: PKG2OS_VERSION, error: { code: error.code, exitCode: error.exitCode, message: error.message, ...(error.hint ? { hint: error.hint } : {}), ...(error.detail ? { detail: error.detail } : {}) } };
  }
  return { pkg2os: PKG2OS_VERSION, error: { code: 'INTERNAL', exitCode: ExitCode.internal, message: `internal error (a bug in pkg2os): ${(error as Error)?.message ?? String(error)}`, hint: 'Report it with the stack trace pkg2os printed on stderr.' } };
}
