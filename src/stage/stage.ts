/**
 * wheel → staging tree in the target's install layout, in the sandbox (the
 * installer writes what a hostile wheel tells it to, so it writes only in its
 * box). The wheel was validated first; the tree it makes is checked against
 * what a package may install (tree-rules). For RPM layouts the tree is
 * byte-compiled here, in the sandbox too; Debian packages compile on the client.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BuildError } from '../errors.js';
import { type InstallLayout, type PackageFormat, type TargetProfile, installLayout } from '../config/targets.js';
import { buildEnvironment } from '../host/build-environment.js';
import type { DistributionFiles } from '../host/distribution-files.js';
import { SYSTEM_PYTHON } from '../host/system-python.js';
import { shipped } from '../paths.js';
import type { CoreMetadata } from '../pep/core-metadata.js';
import { boxPath } from '../sandbox/box-files.js';
import { type SandboxLimits, type SandboxRoot, runSandboxed } from '../sandbox/sandbox.js';
import type { ValidatedWheel } from '../wheel/validate-wheel.js';
import { type StagedEntry, listTree } from './tree.js';
import { checkStagedTree } from './tree-rules.js';
import { libraryDepends } from './library-depends.js';
import { stripSharedObjects } from './strip.js';
import type { Logger } from '../log.js';

export interface StagedTree {
  /** The directory that stands for "/" of the target system. */
  root: string;
  format: PackageFormat;
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

export interface StageOptions {
  wheel: ValidatedWheel;
  format: PackageFormat;
  target: TargetProfile;
  /** Normalized project name (for the headers directory). */
  project: string;
  /** The distribution package it becomes. */
  packageName: string;
  /** A fresh box: the tree is staged in <box>/root. */
  box: string;
  root: SandboxRoot;
  /** The Python ("X.Y") of that root. */
  python: string;
  limits: SandboxLimits;
  logFile: string;
  logCapBytes?: number;
  sourceDateEpoch: number;
  /** Paths the recipe allows although the rules refuse them. */
  allowFiles: string[];
  recipeFile?: string;
  /** The target's installed files, to refuse taking one over. */
  installed?: DistributionFiles;
  logger?: Logger;
}

/** Install the wheel into <box>/root with the layout of (format, target), check it, and byte-compile it for RPM. */
export async function stageWheel(options: StageOptions): Promise<StagedTree> {
  const layout = installLayout(options.format, options.target, options.project);
  const scheme = { purelib: layout.purelib, platlib: layout.platlib, headers: layout.headers, scripts: layout.scripts, data: layout.data };
  const root = join(options.box, 'root');
  await mkdir(root, { recursive: true });
  const wheelInside = `/pkg2os/wheel/${basename(options.wheel.path)}`;
  const sandbox = (argv: string[], purpose: string) =>
    runSandboxed({
      argv,
      root: options.root,
      box: options.box,
      readOnly: [
        { host: options.wheel.path, inside: wheelInside },
        { host: shipped('src', 'stage', 'stage-wheel.py'), inside: '/pkg2os/stage-wheel.py' },
      ],
      cwd: '/build',
      env: buildEnvironment('/build/home', options.sourceDateEpoch),
      limits: options.limits,
      logFile: options.logFile,
      logCapBytes: options.logCapBytes,
      purpose,
    });
  await sandbox([SYSTEM_PYTHON, '/pkg2os/stage-wheel.py', JSON.stringify(scheme), wheelInside, '/build/root'], `staging ${options.project} for ${options.target.name} (${options.format})`);
  const check = async () => {
    const entries = await listTree(await boxPath(options.box, root));
    checkStagedTree({ project: options.project, packageName: options.packageName, layout, entries, scripts: options.wheel.scripts, allowFiles: options.allowFiles, installed: options.installed, recipeFile: options.recipeFile });
    return entries;
  };
  let entries = await check();
  const distInfo = [layout.purelib, layout.platlib].map((lib) => `${lib}/${options.wheel.distInfo}`).find((d) => entries.some((e) => e.type === 'dir' && e.path === d));
  if (!distInfo) throw new BuildError('INVALID_METADATA', `The wheel of ${options.project} installed no .dist-info directory.`);
  const pure = options.wheel.pure;

  const host = options.python;
  if (!pure && host !== options.target.pythonVersion) {
    throw new BuildError('UNSUPPORTED_TARGET', `${options.wheel.metadata.name} ${options.wheel.metadata.version} contains compiled code, which must be built in ${article(options.target.distribution)} root (Python ${options.target.pythonVersion}), and pkg2os has none for ${options.target.name}: it was built with Python ${host}.`, {
      hint: options.target.archive
        ? `pkg2os makes ${article(options.target.name)} root with mmdebstrap from ${options.target.archive.mirror}: make sure it is reachable (pkg2os roots update --target ${options.target.name}), or give a mirror: roots: {${options.target.name}: {mirror: URL}} in pkg2os.config.yaml.`
        : `pkg2os makes ${article(options.target.name)} root with dnf --installroot once it has the key of ${options.target.distribution}'s packages: roots: {${options.target.name}: {gpgkey: /path/to/RPM-GPG-KEY}} in pkg2os.config.yaml; or give a root of your own: roots: {${options.target.name}: {path: DIR}}.`,
    });
  }

  let byteCompiled = false;
  if (layout.byteCompileAtBuild && host === options.target.pythonVersion) {
    // checked-hash pycs stay valid whatever mtimes the package manager sets (PEP 552).
    const dirs = [...new Set([layout.purelib, layout.platlib])].filter((dir) => entries.some((e) => e.path.startsWith(`${dir}/`)));
    for (const dir of dirs) {
      await sandbox([SYSTEM_PYTHON, '-m', 'compileall', '-q', '-f', '-o', '0', '-o', '1', '--invalidation-mode', 'checked-hash', '-s', '/build/root', '-p', '/', `/build/root${dir}`], `byte-compiling ${options.project}`).catch((error: unknown) => {
        // A module with syntax for another Python version is left uncompiled, as Fedora's brp script does; a timeout is not.
        if (error instanceof BuildError) throw error;
      });
    }
    byteCompiled = true;
    entries = await check();
  }

  const label = `${options.wheel.metadata.name} ${options.wheel.metadata.version}`;
  if (!pure && (await stripSharedObjects({ ...options, entries, label })) > 0) entries = await check();
  const libraries = pure ? [] : await libraryDepends({ ...options, entries, label });
  return { root, format: options.format, layout, entries, metadata: options.wheel.metadata, pure, distInfo, byteCompiled, libraryDepends: libraries };
}

/** "a Debian 12", "an Enterprise Linux 9", "an el9": the article as the name is spoken. */
function article(name: string): string {
  return `${/^(?:[aeiou]|el\d|f\b)/i.test(name) ? 'an' : 'a'} ${name}`;
}
