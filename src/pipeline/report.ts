/** report.json: what was built, from which bytes, what was checked, and what failed and why. */
import type { Check } from '../verify/verified-artifact.js';
import type { BuiltPackage } from '../package/packager.types.js';

export interface PackageReport {
  requirement: string;
  project: string;
  version: string;
  target: string;
  /** The chain of requirements that brought it in. */
  requiredBy: string[];
  sdist: { url: string; filename: string; sha256: string; size: number };
  verification: { result: 'verified'; checks: Check[] };
  packages: Array<Omit<BuiltPackage, 'path'> & { file: string }>;
  dependencies: string[];
  skippedRequirements: string[];
  byteCompiled: Record<string, boolean>;
}

export interface FailureReport {
  project: string;
  version?: string;
  target: string;
  requiredBy: string[];
  code: string;
  exitCode: number;
  message: string;
  /** Set when it failed because a dependency did. */
  becauseOf?: string;
}

export interface ProvidedReport {
  project: string;
  target: string;
  format: string;
  package: string;
  requiredBy: string[];
}

export interface BuildReport {
  pkg2os: string;
  indexUrl: string;
  packages: PackageReport[];
  provided: ProvidedReport[];
  failures: FailureReport[];
  /** Package files built now, reused from the cache, failed; cache entries found corrupt (and rebuilt); index pages the index said had not changed. */
  summary: { built: number; reused: number; failed: number; corruptCacheEntries: number; pagesNotModified: number };
  /** Set by `build --repo`. */
  published?: unknown;
}

/** The plan `--dry-run` prints: what would be built, from which file, for which target. */
export interface PlanReport {
  pkg2os: string;
  indexUrl: string;
  plan: Array<{
    target: string;
    project: string;
    version?: string;
    file?: string;
    url?: string;
    formats: string[];
    providedBy: Record<string, string>;
    requiredBy: string[];
    dependencies: string[];
  }>;
  failures: FailureReport[];
}
