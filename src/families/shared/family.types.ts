/**
 * A distribution family (Debian-like, RPM-like) as a plugin: everything that
 * differs between families — version syntax, install layout, the build roots
 * and what they have installed, the shared libraries compiled code needs,
 * the packager and its templates, the repository kind its packages are
 * published in — behind one interface, found through one registry
 * (registry.ts). Targets are data that name their family
 * (config/targets.ts). Outside families/ no code branches on a family, a
 * format or a repository kind (test/unit/layers.test.ts).
 */
import type { RootSettings } from '../../config/build-request.js';
import type { TargetProfile } from '../../config/targets.js';
import type { Box } from '../../box/box.js';
import type { Logger } from '../../log.js';
import type { SandboxRoot } from '../../box/sandbox.js';
import type { CoreMetadata } from '../../pep/core-metadata.js';
import type { Constraint } from '../../pep/specifier.js';
import type { VersionSyntax } from './versions.js';
import type { Templates } from './templates.js';
import type { ReleaseData } from './release-data.js';
import type { PackageComparison } from './compare-trees.js';

/** Where the wheel's parts go on the target system (installer scheme paths, absolute). */
export interface InstallLayout {
  purelib: string;
  platlib: string;
  scripts: string;
  data: string;
  headers: string;
  /** Whether .pyc files are made at build time (in the target's root) or on the client by maintainer scripts. */
  byteCompileAtBuild: boolean;
}

/** An entry of a staged tree, by its absolute path on the target system. */
export interface StagedEntry {
  path: string;
  /** `special`: a device, a pipe or a socket (never packaged). */
  type: 'file' | 'dir' | 'symlink' | 'special';
  /** Bytes, for files; 0 otherwise. */
  size: number;
  /** Permission bits (with setuid, setgid and sticky). */
  mode: number;
}

/** A wheel staged in a target's layout: the files its package installs. */
export interface StagedTree {
  /** The directory that stands for "/" of the target system. */
  root: string;
  format: string;
  layout: InstallLayout;
  entries: StagedEntry[];
  metadata: CoreMetadata;
  /** True for py3-none-any wheels: no compiled code. */
  pure: boolean;
  /** The .dist-info directory, absolute on the target. */
  distInfo: string;
  /** Whether .pyc files were made at build time. */
  byteCompiled: boolean;
  /** Relations on the shared libraries compiled code needs: Depends of a .deb, Requires of an rpm. */
  libraryDepends: string[];
}

/** What a root (the host's, or a target's) has installed: which package owns a path, which Python projects a package ships. */
export interface DistributionFiles {
  /** Whose files these are, for messages: "the target's package" or a stand-in's. */
  owners: string;
  /** The package that owns an absolute path, if any. */
  ownerOf(path: string): string | undefined;
  /** The Python projects (normalized names) an installed package ships; undefined when it ships none or is not installed. */
  projectsOf(pkg: string): ReadonlySet<string> | undefined;
}

/** How a family makes a build root of one of its releases (stamped into the root and part of its identity). */
export interface RootRecipe {
  kind: string;
  packages: string[];
  [setting: string]: unknown;
}

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
  /** Relations the recipe adds verbatim to this family's package. */
  extraRelations: string[];
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
  /** The templates the packager renders (pkg2os's own, or a user's overrides). */
  templates: Templates;
}

/** One built package file. */
export interface BuiltPackage {
  format: string;
  name: string;
  version: string;
  arch: string;
  path: string;
  sha256: string;
  size: number;
}

/** A package format: `render()` is pure (data → file texts), `build()` runs the tool. */
export interface Packager {
  /** File name by the format's convention, e.g. python3-django_3.2.25-1~deb12_all.deb. */
  fileName(info: PackageInfo): string;
  /** The texts of control files / spec, by name. Pure: no I/O. */
  render(info: PackageInfo): Record<string, string>;
  /**
   * Build the package into `outDir`; returns the file. The tool runs in the
   * box (which holds the staged tree as root/), on the host's root: the tree
   * is the packager's, which may add files to it.
   */
  build(info: PackageInfo, box: Box, outDir: string): Promise<BuiltPackage>;
}

/** A family's version order and spelling. */
export interface VersionScheme {
  readonly syntax: VersionSyntax;
  /** The full version of a package: upstream (translated, with its epoch) and release string. */
  packageVersion(upstreamVersion: string, release: number, target: TargetProfile): string;
  /** Sign of the distribution's comparison of two full versions. */
  compare(a: string, b: string): number;
  /** The upstream part of a full version ("3:3.2.25-0+deb12u7" → "3:3.2.25"). */
  upstreamOf(version: string): string;
}

export interface Family {
  /** "debian", "rpm": what targets name. */
  readonly name: string;
  /** "Debian-family", for messages. */
  readonly title: string;
  /** The package format: the packages' file suffix and the output folder ("deb", "rpm"). */
  readonly format: string;
  /** What the release part of a version is called ("Debian revision", "RPM release"). */
  readonly releaseTerm: string;
  /** The repository kind its packages are published in ("apt", "yum"; coordinator/repositories). */
  readonly repository: string;
  /** The program that builds its packages (checked before a build starts). */
  readonly packagingTool: string;
  /** Targets of the family, for hints. */
  readonly exampleTargets: readonly string[];
  readonly versions: VersionScheme;
  /** The machine architecture in the family's spelling (amd64, x86_64). */
  machineArch(): string;
  /** The package's architecture: the family's word for "any" for pure code, else the machine's. */
  packageArch(pure: boolean): string;
  /** The release string that carries the target: "1~deb12", "1.el9". */
  releaseString(release: number, target: TargetProfile): string;
  installLayout(target: TargetProfile, project: string): InstallLayout;
  /** The directories of a package's own beyond its layout: its documentation and licences. */
  ownDirs(packageName: string): string[];
  /** How a root of `target` is made with these settings; undefined when pkg2os cannot make one. */
  rootRecipe(target: TargetProfile, settings: RootSettings | undefined): RootRecipe | undefined;
  /** Make the root into `dir`; returns what to stamp it with (where and when it was made from). */
  makeRoot(target: TargetProfile, recipe: RootRecipe, dir: string): Promise<Record<string, string | undefined>>;
  /** How to give pkg2os a root of `target`, for errors. */
  rootHint(target: TargetProfile): string;
  /** Whether the root at `path` is one of this family's (its package database). */
  ownsRoot(path: string): Promise<boolean>;
  /**
   * What the target's whole release ships (packages, Python names, programs,
   * the distribution's package of each Python project), read from its own
   * archive or repositories and kept in `stateDir` (made again with `fresh`);
   * undefined when pkg2os has no source for it (an RPM-family target without
   * repositories and their key).
   */
  releaseData(target: TargetProfile, settings: RootSettings | undefined, stateDir: string, fresh?: boolean): Promise<ReleaseData | undefined>;
  /** The version a root's distribution has of each package (null: unknown). */
  distributionVersions(packages: readonly string[], root: SandboxRoot): Promise<Map<string, string | null>>;
  /** What a root has installed, from its package database. */
  installedFiles(rootPath: string, owners: string): Promise<DistributionFiles>;
  /** The relations on the shared libraries the staged tree's objects need (run in `box`, whose root is the target's). */
  libraryDepends(objects: readonly string[], box: Box, label: string, logger?: Logger): Promise<string[]>;
  readonly packager: Packager;
  /** A published package file against its rebuild (`work`: a scratch directory): the same package, or what differs. */
  comparePackages(published: string, rebuilt: string, work: string): Promise<PackageComparison>;
  /** The maintainer a built package names (to build it again alike). */
  maintainerOf(file: string): Promise<string | undefined>;
}
