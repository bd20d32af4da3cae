import type { PackageFormat, TargetProfile } from '../config/targets.js';
import type { StagedTree } from '../stage/stage.js';
import type { Constraint } from './versions.js';
import type { SandboxLimits, SandboxRoot } from '../sandbox/sandbox.js';

/** A runtime dependency on another Python project, format-neutral. */
export interface Dependency {
  project: string;
  /** The distribution package that satisfies it (python3-<project>, or a recipe's name / provided-by). */
  name: string;
  constraints: Constraint[];
  /** The Requires-Dist text it came from. */
  source: string;
}

/** Everything a packager needs, independent of the format. */
export interface PackageInfo {
  /** PEP 503 name of the project. */
  project: string;
  /** Distribution package name, `python3-<project>`. */
  name: string;
  /** PEP 440 version from the wheel's metadata. */
  upstreamVersion: string;
  /** Debian revision / RPM release. */
  release: number;
  target: TargetProfile;
  pure: boolean;
  summary: string;
  description: string;
  license: string;
  homepage?: string;
  maintainer: string;
  dependencies: Dependency[];
  /** Relations a recipe adds verbatim, per format. */
  extraRelations: { deb: string[]; rpm: string[] };
  /** The project's Requires-Python, for the Python version bounds. */
  requiresPython?: string;
  /** Requires-Dist entries left out (marker false for the target, or an extra). */
  skippedRequirements: string[];
  /** Upstream sdist, for changelogs and copyright files. */
  sdist: { filename: string; sha256: string; url: string };
  /** Texts of the upstream license files, by name. */
  licenseTexts: { name: string; text: string }[];
  sourceDateEpoch: number;
  tree: StagedTree;
}

/** One built package file. */
export interface BuiltPackage {
  format: PackageFormat;
  name: string;
  version: string;
  arch: string;
  path: string;
  sha256: string;
  size: number;
}

/** A package format: `render()` is pure (data → file texts), `build()` runs the tool. */
export interface Packager {
  readonly format: PackageFormat;
  /** The program that builds this format (checked before a build starts). */
  readonly tool: string;
  /** File name by the format's convention, e.g. python3-django_3.2.25-1_all.deb. */
  fileName(info: PackageInfo): string;
  /** The texts of control files / spec, by name. Pure: no I/O. */
  render(info: PackageInfo): Record<string, string>;
  /**
   * Build the package into `job.outDir`; returns the file. The tool runs in
   * the sandbox, in `job.box` (which holds the staged tree as root/): the tree
   * is the packager's, which may add files to it, and it is removed afterwards.
   */
  build(info: PackageInfo, job: PackagingJob): Promise<BuiltPackage>;
}

/** Where and how a packaging tool runs: its box (mounted at /build, with the staged tree at /build/root) and sandbox. */
export interface PackagingJob {
  box: string;
  outDir: string;
  logFile: string;
  root: SandboxRoot;
  limits: SandboxLimits;
  logCapBytes?: number;
}
