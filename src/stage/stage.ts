/**
 * wheel → staging tree in the target's install layout, with the wheel's
 * metadata. For RPM layouts the tree is byte-compiled here (when the host's
 * Python is the target's); Debian packages compile on the client.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../errors.js';
import { run } from '../exec.js';
import { type InstallLayout, type PackageFormat, type TargetProfile, installLayout } from '../config/targets.js';
import { buildEnvironment } from '../host/build-environment.js';
import { SYSTEM_PYTHON, hostPythonVersion } from '../host/system-python.js';
import { shipped } from '../paths.js';
import { type CoreMetadata, isPureWheel, parseCoreMetadata } from '../pep/core-metadata.js';
import { type StagedEntry, listTree } from './tree.js';

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
}

export interface StageOptions {
  wheel: string;
  format: PackageFormat;
  target: TargetProfile;
  /** Normalized project name (for the headers directory). */
  project: string;
  root: string;
  logFile: string;
  sourceDateEpoch: number;
}

/** Install the wheel into `root` with the layout of (format, target); see `installLayout`. */
export async function stageWheel(options: StageOptions): Promise<StagedTree> {
  const layout = installLayout(options.format, options.target, options.project);
  const scheme = { purelib: layout.purelib, platlib: layout.platlib, headers: layout.headers, scripts: layout.scripts, data: layout.data };
  const env = buildEnvironment(join(options.root, '..', 'home'), options.sourceDateEpoch);
  await run(SYSTEM_PYTHON, [shipped('src', 'stage', 'stage-wheel.py'), JSON.stringify(scheme), options.wheel, options.root], {
    env,
    cleanEnv: true,
    logFile: options.logFile,
    purpose: `staging ${options.project} for ${options.target.name} (${options.format})`,
    hint: 'python3-installer must be installed (apt-get install python3-installer, or `make setup`).',
  });

  let entries = await listTree(options.root);
  const distInfo = entries.find((e) => e.type === 'dir' && /\.dist-info$/.test(e.path) && (e.path.startsWith(`${layout.purelib}/`) || e.path.startsWith(`${layout.platlib}/`)));
  if (!distInfo) throw new BuildError('INVALID_METADATA', `The wheel of ${options.project} installed no .dist-info directory.`);
  const read = (name: string) => readFile(join(options.root, distInfo.path, name), 'utf8');
  const metadata = parseCoreMetadata(await read('METADATA'), `${distInfo.path}/METADATA`);
  const pure = isPureWheel(await read('WHEEL'));

  const host = await hostPythonVersion();
  if (!pure && host !== options.target.pythonVersion) {
    throw new BuildError('UNSUPPORTED_TARGET', `${metadata.name} ${metadata.version} contains compiled code, which can only be built for a target whose Python is this host's (${host}); ${options.target.name} has Python ${options.target.pythonVersion}.`, {
      hint: `Build it on a ${options.target.name} machine, or choose a target with Python ${host}.`,
    });
  }

  let byteCompiled = false;
  if (layout.byteCompileAtBuild && host === options.target.pythonVersion) {
    // checked-hash pycs stay valid whatever mtimes the package manager sets (PEP 552).
    const dirs = [...new Set([layout.purelib, layout.platlib])].filter((dir) => entries.some((e) => e.path.startsWith(`${dir}/`)));
    for (const dir of dirs) {
      await run(SYSTEM_PYTHON, ['-m', 'compileall', '-q', '-f', '-o', '0', '-o', '1', '--invalidation-mode', 'checked-hash', '-s', options.root, '-p', '/', join(options.root, dir)], {
        env,
        cleanEnv: true,
        logFile: options.logFile,
        purpose: `byte-compiling ${options.project}`,
      }).catch(() => {
        // A module with syntax for another Python version is left uncompiled, as Fedora's brp script does.
      });
    }
    byteCompiled = true;
    entries = await listTree(options.root);
  }

  return { root: options.root, format: options.format, layout, entries, metadata, pure, distInfo: distInfo.path, byteCompiled };
}
