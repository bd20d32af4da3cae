/**
 * The shared libraries a compiled package needs, as relations of its target.
 * For a .deb, dpkg-shlibdeps reads the ELF files of the staged tree and
 * answers from the target root's dpkg database (its shlibs and symbols
 * files), so an extension module built against trixie's libc depends on
 * trixie's libc6 at the version its symbols need, as a package built by dh
 * would. For an rpm, rpm's own ELF dependency generator (elfdeps) names the
 * sonames and symbol versions (`libc.so.6(GLIBC_2.34)(64bit)`), which every
 * RPM distribution provides by those names; libraries the package carries
 * itself are left out. Both read upstream's files, so they run in the
 * sandbox, and what they print is checked against the relation syntax of its
 * format before it reaches the control file or the spec (an ELF file names its
 * libraries itself: a name with a macro in it must never reach rpm).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BuildError, Pkg2osError } from '../errors.js';
import type { Logger } from '../log.js';
import { HOST_ROOT, type SandboxLimits, type SandboxRoot, type SandboxRun, runSandboxed } from '../sandbox/sandbox.js';
import type { PackageFormat } from '../config/targets.js';
import type { StagedEntry } from './tree.js';

/** A shared object or an extension module, by name (dpkg-shlibdeps skips what is not ELF, with a warning). */
const SHARED_OBJECT = /\.so(\.\d+)*$/;
/** An rpm capability elfdeps names: a soname or rtld, a symbol version in parentheses, the 64-bit mark. */
const RPM_CAPABILITY = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*\([A-Za-z0-9_.+-]*\)(\(64bit\))?$/;
/** One alternative of a relation: a package name and an optional version constraint. */
const RELATION = /^[a-z0-9][a-z0-9.+-]*(:[a-z0-9-]+)?( \((<<|<=|=|>=|>>) [A-Za-z0-9.+~:-]+\))?$/;

export interface LibraryDependsOptions {
  format: PackageFormat;
  entries: readonly StagedEntry[];
  /** The target's root, whose dpkg database answers. */
  root: SandboxRoot;
  /** The box that holds the staged tree at root/ (seen as /build/root). */
  box: string;
  limits: SandboxLimits;
  logFile: string;
  logCapBytes?: number;
  label: string;
  logger?: Logger;
}

/** The relations of the tree's shared objects, Depends of a .deb or Requires of an rpm (none for a tree without any). */
export async function libraryDepends(options: LibraryDependsOptions): Promise<string[]> {
  const objects = options.entries.filter((e) => e.type === 'file' && SHARED_OBJECT.test(e.path)).map((e) => e.path);
  if (objects.length === 0) return [];
  if (options.format === 'rpm') return rpmRequires(objects, options);
  // dpkg-shlibdeps wants a debian/control to stand in; the package's own name does not matter to it.
  const work = join(options.box, 'shlibs');
  await mkdir(join(work, 'debian'), { recursive: true });
  await writeFile(join(work, 'debian', 'control'), 'Source: pkg2os-shlibs\n\nPackage: pkg2os-shlibs\nArchitecture: any\n');
  const ownDirs = [...new Set(objects.map((o) => dirname(o)))];
  let output: string;
  try {
    output = await readTree(options, {
      argv: ['dpkg-shlibdeps', '-O', '--ignore-missing-info', ...ownDirs.map((d) => `-l/build/root${d}`), ...objects.map((o) => `/build/root${o}`)],
      root: options.root,
      // Which package has a library, and its shlibs and symbols files: the root's dpkg database, read-only.
      readOnly: [{ host: join(options.root.kind === 'host' ? '/' : options.root.path, 'var/lib/dpkg'), inside: '/var/lib/dpkg' }],
      cwd: '/build/shlibs',
    });
  } catch (error) {
    if (!(error instanceof Pkg2osError) || error.code === 'BUILD_TIMEOUT' || error.code === 'BUILD_LIMIT') throw error;
    // A library no package of the target provides: the package would not load there either, but that is upstream's to say.
    options.logger?.warn(`${options.label}: could not work out which shared libraries its compiled code needs, so its package depends on Python only (${error.message}).`);
    return [];
  }
  return parseShlibs(output, options.label);
}

/** The relations of dpkg-shlibdeps's `shlibs:Depends=` line; an alternative that is not a plain relation is an error. */
export function parseShlibs(output: string, label: string): string[] {
  const line = /^shlibs:Depends=(.*)$/m.exec(output)?.[1]?.trim();
  if (!line) return [];
  const relations = line.split(/,\s*/).filter(Boolean);
  for (const relation of relations) {
    if (!relation.split(/\s*\|\s*/).every((alt) => RELATION.test(alt))) {
      throw new BuildError('PACKAGING_FAILED', `dpkg-shlibdeps named a dependency of ${label} that is not a dpkg relation: ${JSON.stringify(relation)}.`, {
        hint: 'Check the shlibs and symbols files of the target root\'s packages (pkg2os roots update remakes the root).',
      });
    }
  }
  return relations;
}

/** rpm's elfdeps over the shared objects (requires, then provides), on the host's rpm, in the sandbox. */
async function rpmRequires(objects: string[], options: LibraryDependsOptions): Promise<string[]> {
  const script = 'printf "%s\\n" "$@" | /usr/lib/rpm/elfdeps --requires && echo --- && printf "%s\\n" "$@" | /usr/lib/rpm/elfdeps --provides';
  const output = await readTree(options, { argv: ['/bin/sh', '-c', script, 'elfdeps', ...objects.map((o) => `/build/root${o}`)], root: HOST_ROOT, cwd: '/build' });
  return parseElfdeps(output, options.label);
}

/** A tool that reads the staged tree (upstream's files) in the sandbox, writing only the box; its few lines of output. */
async function readTree(options: LibraryDependsOptions, run: Pick<SandboxRun, 'argv' | 'root' | 'readOnly' | 'cwd'>): Promise<string> {
  const result = await runSandboxed({
    ...run,
    box: options.box,
    env: { LANG: 'C.UTF-8', HOME: '/build/home' },
    limits: options.limits,
    logFile: options.logFile,
    logCapBytes: options.logCapBytes,
    capture: true,
    purpose: `finding the shared libraries ${options.label} needs`,
  });
  return String(result.stdout);
}

/** The requires of elfdeps's output that the package does not provide itself; a capability that is not plain is an error. */
export function parseElfdeps(output: string, label: string): string[] {
  const [requires = '', provides = ''] = output.split(/^---$/m);
  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const capability of [...lines(requires), ...lines(provides)]) {
    if (!RPM_CAPABILITY.test(capability)) {
      throw new BuildError('UNSAFE_PACKAGE', `A compiled file of ${label} names a shared library pkg2os will not write into an rpm spec: ${JSON.stringify(capability)}.`, {
        hint: 'Library names are sonames such as libfoo.so.1; look at the ELF files\' NEEDED entries (objdump -p) of this upstream release.',
      });
    }
  }
  const own = new Set(lines(provides));
  return [...new Set(lines(requires))].filter((c) => !own.has(c)).sort();
}
