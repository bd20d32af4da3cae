/** report.json: what was built, from which bytes, and what was checked. */
import type { Check } from '../verify/verified-artifact.js';
import type { BuiltPackage } from '../package/packager.types.js';

export interface PackageReport {
  requirement: string;
  project: string;
  version: string;
  target: string;
  sdist: { url: string; filename: string; sha256: string; size: number };
  verification: { result: 'verified'; checks: Check[] };
  packages: Array<Omit<BuiltPackage, 'path'> & { file: string }>;
  dependencies: string[];
  skippedRequirements: string[];
  byteCompiled: Record<string, boolean>;
}

export interface BuildReport {
  pkg2os: string;
  indexUrl: string;
  packages: PackageReport[];
}
