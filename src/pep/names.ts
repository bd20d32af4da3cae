/**
 * Project names. PEP 503 normalization
 * (https://peps.python.org/pep-0503/#normalized-names) is the identity of a
 * project everywhere in pkg2os: index URLs, package names, lockfile keys.
 */
import { ConfigError } from '../errors.js';

/** PEP 508 project name: ASCII letters, digits, and . _ - not at either end. */
const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** True when `name` is a valid PEP 508 project name. */
export function isValidProjectName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** PEP 503 normalized form: lower case, runs of `-`, `_`, `.` become one `-`. */
export function normalizeName(name: string): string {
  if (!isValidProjectName(name)) {
    throw new ConfigError('INVALID_REQUIREMENT', `"${name}" is not a valid Python project name.`, {
      hint: 'A project name has ASCII letters, digits, ".", "_" and "-", and starts and ends with a letter or digit (PEP 508).',
    });
  }
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The distribution package name for a project: `python3-<normalized name>`. */
export function distroPackageName(project: string): string {
  return `python3-${normalizeName(project)}`;
}
