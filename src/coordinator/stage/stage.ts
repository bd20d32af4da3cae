/**
 * wheel → staging tree in the target's install layout, in the sandbox (the
 * installer writes what a hostile wheel tells it to, so it writes only in its
 * box). The wheel was validated first; the tree it makes is checked against
 * what a package may install (tree-rules). For RPM layouts the tree is
 * byte-compiled here, in the sandbox too; Debian packages compile on the client.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BuildError } from '../../errors.js';
import type { TargetProfile } from '../../config/targets.js';
import type { Box } from '../../box/box.js';
import { buildEnvironment } from '../../box/build-environment.js';
import { boxPath } from '../../box/box-files.js';
import { SYSTEM_PYTHON } from '../../host/system-python.js';
import { shipped } from '../../paths.js';
import type { ValidatedWheel } from '../../build/validate-wheel.js';
import type { DistributionFiles, StagedTree } from '../../families/shared/family.types.js';
import type { ReleaseData } from '../../families/shared/release-data.js';
import { familyOf } from '../../families/registry.js';
import { article } from '../../families/shared/common.js';
import { SHARED_OBJECT, cleanElfFiles, elfFiles } from '../../box/elf.js';
import { listTree } from './tree.js';
import { checkInstallPolicy } from './install-policy.js';
import type { Logger } from '../../log.js';

export type { StagedTree } from '../../families/shared/family.types.js';

export interface StageOptions {
  wheel: ValidatedWheel;
  target: TargetProfile;
  /** Normalized project name (for the headers directory). */
  project: string;
  /** The distribution package it becomes. */
  packageName: string;
  /** A fresh box for this (item, target, format), on the root the wheel is staged with: the tree is staged in <box>/root. */
  box: Box;
  /** The Python ("X.Y") of that root. */
  python: string;
  sourceDateEpoch: number;
  /** Paths the recipe allows although the rules refuse them. */
  allowFiles: string[];
  recipeFile?: string;
  /** The target's installed files, to refuse taking one over. */
  installed?: DistributionFiles;
  /** What the target's whole release ships, whose names are not this package's to take. */
  release?: ReleaseData;
  replacesDistribution?: boolean;
  logger?: Logger;
}

/**
 * Install the wheel into <box>/root with the layout of the target's family,
 * byte-compile it there where the family does so at build time (one sandbox
 * run for both: compileall only reads the modules), check the tree, strip
 * compiled code, and find the shared libraries it needs.
 */
export async function stageWheel(options: StageOptions): Promise<StagedTree> {
  const family = familyOf(options.target);
  const layout = family.installLayout(options.target, options.project);
  const pure = options.wheel.pure;
  const { box } = options;
  if (!pure && options.python !== options.target.pythonVersion) {
    throw new BuildError('UNSUPPORTED_TARGET', `${options.wheel.metadata.name} ${options.wheel.metadata.version} contains compiled code, which must be built in ${article(options.target.distribution)} root (Python ${options.target.pythonVersion}), and pkg2os has none for ${options.target.name}: it was built with Python ${options.python}.`, {
      hint: family.rootHint(options.target),
    });
  }
  const scheme = { purelib: layout.purelib, platlib: layout.platlib, headers: layout.headers, scripts: layout.scripts, data: layout.data };
  const root = join(box.dir, 'root');
  await mkdir(root, { recursive: true });
  const wheelInside = `/pkg2os/wheel/${basename(options.wheel.path)}`;
  // checked-hash pycs stay valid whatever mtimes the package manager sets (PEP 552).
  const byteCompiled = layout.byteCompileAtBuild && options.python === options.target.pythonVersion;
  await box.run([SYSTEM_PYTHON, '/pkg2os/stage-wheel.py', JSON.stringify(scheme), wheelInside, '/build/root', byteCompiled ? 'compile' : 'no-compile'], `staging ${options.project} for ${options.target.name} (${family.format})`, {
    env: buildEnvironment('/build/home', options.sourceDateEpoch),
    readOnly: [
      { host: options.wheel.path, inside: wheelInside },
      { host: shipped('src', 'box', 'helpers', 'stage-wheel.py'), inside: '/pkg2os/stage-wheel.py' },
    ],
  });
  const check = async () => {
    const entries = await listTree(await boxPath(box.dir, root));
    checkInstallPolicy({ project: options.project, packageName: options.packageName, layout, ownDirs: family.ownDirs(options.packageName), distInfo: options.wheel.distInfo, entries, scripts: options.wheel.scripts, allowFiles: options.allowFiles, installed: options.installed, release: options.release, replacesDistribution: options.replacesDistribution, recipeFile: options.recipeFile });
    return entries;
  };
  let entries = await check();
  const distInfo = [layout.purelib, layout.platlib].map((lib) => `${lib}/${options.wheel.distInfo}`).find((d) => entries.some((e) => e.type === 'dir' && e.path === d));
  if (!distInfo) throw new BuildError('INVALID_METADATA', `The wheel of ${options.project} installed no .dist-info directory.`);
  const label = `${options.wheel.metadata.name} ${options.wheel.metadata.version}`;
  // Every ELF file, in a pure wheel too: stripped where it is a shared object, and never with a runpath.
  const elves = await elfFiles(box, entries.filter((e) => e.type === 'file').map((e) => e.path));
  if ((await cleanElfFiles(box, elves, label, options.logger)) > 0) entries = await check();
  let libraries: string[] = [];
  if (!pure) {
    const objects = entries.filter((e) => e.type === 'file' && SHARED_OBJECT.test(e.path)).map((e) => e.path);
    if (objects.length > 0) libraries = await family.libraryDepends(objects, box, label, options.logger);
  }
  return { root, format: family.format, layout, entries, metadata: options.wheel.metadata, pure, distInfo, byteCompiled, libraryDepends: libraries };
}
