/**
 * What a package may install: apt and dnf install it as root on every client,
 * so a staged tree may hold only what a Python distribution package installs
 * (an allow-list, per family through its layout and own places):
 *   - under the target's site directories, its own importable top-level names
 *     (packages, modules, extension modules, their __pycache__) and its own
 *     .dist-info directory;
 *   - its console and GUI scripts (and the wheel's declared scripts) in the
 *     scripts directory;
 *   - its own documentation and licence directories
 *     (/usr/share/doc/<package>, and what else the family names).
 * Everything else a wheel can carry — `.data/data` and `.data/headers`,
 * files under /usr/share, /etc, /usr/lib/systemd, other programs, .pth files,
 * sitecustomize, another distribution's metadata — is refused, every path
 * named, unless the project's recipe allows that path by name
 * (`allow-files`). No mode may be setuid, setgid, sticky or world-writable,
 * and no entry may be a link or a special file, whatever a recipe says; nor
 * may a file be one another installed package of the target owns.
 */
import picomatch from 'picomatch';
import { BuildError } from '../../errors.js';
import type { DistributionFiles, InstallLayout, StagedEntry } from '../../families/shared/family.types.js';
import { type ReleaseData, moduleName } from '../../families/shared/release-data.js';

export interface PolicyInput {
  project: string;
  /** The distribution package being made (a file it owns already is its own). */
  packageName: string;
  layout: InstallLayout;
  /** Directories of the package's own beyond the layout: its documentation and licences (the family's). */
  ownDirs: readonly string[];
  /** The wheel's own .dist-info directory name. */
  distInfo: string;
  entries: readonly StagedEntry[];
  /** Script names the wheel declares (entry points and .data/scripts). */
  scripts: readonly string[];
  /** Globs of absolute paths the recipe allows. */
  allowFiles: readonly string[];
  /** The target's installed files, when its root has a package database. */
  installed?: DistributionFiles;
  /** What the target's whole release ships: its Python names and programs are not this package's to take. */
  release?: ReleaseData;
  /** The recipe says the package replaces the distribution's (replaces-distribution-package). */
  replacesDistribution?: boolean;
  recipeFile?: string;
}

/** A top-level module of a site directory: an identifier, then .py, .pyc, or an extension module's suffixes. */
const MODULE_FILE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*\.(py|pyc|so)$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STUBS = /^[A-Za-z_][A-Za-z0-9_]*-stubs$/;
/** setuid, setgid, sticky, or writable by others. */
const DANGEROUS_MODE = 0o7002;

interface Refusal {
  path: string;
  why: string;
  hint?: string;
}

/** Why a path (of a file or a directory that is not the ancestor of an allowed place) may not be installed, or undefined. */
function judge(entry: StagedEntry, input: PolicyInput): string | undefined {
  const { layout, path } = { layout: input.layout, path: entry.path };
  for (const lib of new Set([layout.purelib, layout.platlib])) {
    if (path === lib) return undefined;
    if (!path.startsWith(`${lib}/`)) continue;
    const top = path.slice(lib.length + 1).split('/')[0]!;
    if (top === input.distInfo) return undefined;
    if (/\.(dist|egg)-info$/.test(top)) return `another distribution's metadata (${top})`;
    if (top.endsWith('.pth')) return 'a .pth file, which every Python start executes';
    if (/^(site|user)customize(\.|$)/.test(top)) return 'a sitecustomize/usercustomize module, which every Python start executes';
    if (top === '__pycache__' || IDENTIFIER.test(top) || MODULE_FILE.test(top)) return undefined;
    // A PEP 561 stub-only package (wrapt-stubs/): type checkers read it, Python cannot import it; so it holds nothing else.
    if (STUBS.test(top)) return path === `${lib}/${top}` || /\.pyi$|\/py\.typed$/.test(path) ? undefined : `a file other than .pyi stubs and py.typed in the stub-only package ${top} (PEP 561)`;
    return `"${top}" in the site directory, which is not an importable name`;
  }
  if (path === layout.scripts) return undefined;
  if (path.startsWith(`${layout.scripts}/`)) {
    const name = path.slice(layout.scripts.length + 1);
    return input.scripts.includes(name) ? undefined : 'a program the wheel does not declare as one of its scripts';
  }
  for (const own of input.ownDirs) if (path === own || path.startsWith(`${own}/`)) return undefined;
  if (path === '/etc' || path.startsWith('/etc/')) return 'a file under /etc, which services and tools read as configuration';
  if (path.startsWith('/usr/include/')) return 'a C header (.data/headers), which a Python package does not install';
  if (path.startsWith('/usr/lib/systemd/') || path.startsWith('/lib/systemd/')) return 'a systemd unit, which the system runs';
  if (path.startsWith('/usr/share/')) return `data in /usr/share/${path.split('/')[3]} (.data/data), which programs and services other than this package's read`;
  return 'a file outside the places a Python package installs into (its modules, its scripts, its documentation)';
}

/**
 * Whose name in the target's whole release an entry takes, if another
 * package's: a top-level Python name (a package directory takes the import of
 * a module file of the same name), or a program name in the scripts
 * directory. The distribution's own package of this project is not another's.
 */
function releaseOwner(entry: StagedEntry, input: PolicyInput): string | undefined {
  const { release } = input;
  if (!release || input.replacesDistribution) return undefined;
  const own = new Set([input.packageName, release.pythonDists[input.project]?.package].filter(Boolean));
  for (const lib of new Set([input.layout.purelib, input.layout.platlib])) {
    if (!entry.path.startsWith(`${lib}/`)) continue;
    const parts = entry.path.slice(lib.length + 1).split('/');
    const top = parts[0]!;
    if (top === input.distInfo || top === '__pycache__') return undefined;
    const name = moduleName(top);
    const owner = Object.hasOwn(release.pythonTop, name) ? release.pythonTop[name] : undefined;
    if (!owner) return undefined;
    const owners = (release.pythonShared && Object.hasOwn(release.pythonShared, name) ? release.pythonShared[name] : undefined) ?? [owner];
    // A namespace the distribution's own package of this project shares with others (poetry/ of poetry-core and poetry) is this
    // package's too, below it: a module at its top (poetry/__init__.py) would run, or take a name, for every package sharing it.
    if (owners.length > 1 && owners.some((o) => own.has(o)) && parts.length === 2 && entry.type === 'file' && parts[1] !== '__pycache__') {
      return `a module at the top of the namespace ${name}, which ${owners.join(', ')} share (${release.source}): it would run, or take a name, for every one of them`;
    }
    if (parts.length > 1) return undefined;
    return owners.some((o) => own.has(o)) ? undefined : `the Python name ${name}, which ${owners.join(', ')} ship${owners.length > 1 ? '' : 's'} (${release.source}): it would take that import from every program`;
  }
  if (entry.path.startsWith(`${input.layout.scripts}/`)) {
    const name = entry.path.slice(input.layout.scripts.length + 1);
    const owner = Object.hasOwn(release.programs, name) ? release.programs[name] : undefined;
    return owner && !own.has(owner) ? `the program ${name}, which ${owner} ships (${release.source})` : undefined;
  }
  return undefined;
}

/** Directories that lead to a place a package may install into (/usr, /usr/lib, …): present in every tree. */
function ancestorsOf(input: PolicyInput): Set<string> {
  const places = [input.layout.purelib, input.layout.platlib, input.layout.scripts, ...input.ownDirs];
  const out = new Set<string>();
  for (const place of places) for (let dir = place; dir !== '/' && dir !== ''; dir = dir.slice(0, dir.lastIndexOf('/')) || '/') out.add(dir);
  return out;
}

/** Refuse a staged tree that installs anything a Python distribution package does not; every offending path is named. */
export function checkInstallPolicy(input: PolicyInput): void {
  const allowed = input.allowFiles.length ? picomatch([...input.allowFiles], { dot: true }) : () => false;
  const ancestors = ancestorsOf(input);
  const refusals: Refusal[] = [];
  const recipe = input.recipeFile ?? `recipes/${input.project}.yaml`;
  for (const entry of input.entries) {
    if (entry.type === 'symlink') refusals.push({ path: entry.path, why: 'a symbolic link' });
    else if (entry.type === 'special') refusals.push({ path: entry.path, why: 'a special file (a device, a pipe or a socket)' });
    else if ((entry.mode & DANGEROUS_MODE) !== 0) refusals.push({ path: entry.path, why: `mode ${(entry.mode & 0o7777).toString(8)} (setuid, setgid, sticky or writable by others)` });
    if (entry.type !== 'file' && entry.type !== 'dir') continue;
    if ((entry.mode & DANGEROUS_MODE) !== 0) continue;
    // A name the target's release ships belongs to its package: no allow-files gives it away.
    const taken = releaseOwner(entry, input);
    if (taken) {
      refusals.push({ path: entry.path, why: taken, hint: `If this package really is meant to replace the distribution's, say "replaces-distribution-package: true" in ${recipe}; if the distribution's package is this project, say "provided-by:" its name there.` });
      continue;
    }
    if (entry.type === 'dir' && ancestors.has(entry.path)) continue;
    // A directory is judged by what it holds; only an empty one stands for itself.
    if (entry.type === 'dir' && input.entries.some((e) => e.path.startsWith(`${entry.path}/`))) continue;
    if (allowed(entry.path)) continue;
    const why = judge(entry, input);
    if (why) {
      refusals.push({ path: entry.path, why });
      continue;
    }
    const owner = entry.type === 'file' ? input.installed?.ownerOf(entry.path) : undefined;
    if (owner && owner !== input.packageName) {
      // The distribution's own package of this very project, under another name (python-dateutil is Debian's python3-dateutil).
      const same = input.installed!.projectsOf(owner)?.has(input.project);
      refusals.push({
        path: entry.path,
        why: `a file ${input.installed!.owners} ${owner} owns`,
        hint: same ? `The distribution ships ${input.project} as ${owner}: to replace it with this build, give the package that name in ${recipe} ("name: {deb: ${owner}}" for Debian targets, or "name: ${owner}" for every format); to depend on the distribution's instead, say "provided-by: ${owner}".` : undefined,
      });
    }
  }
  if (refusals.length === 0) return;
  throw refuse(input, refusals, recipe);
}

function refuse(input: PolicyInput, refusals: Refusal[], recipe: string): BuildError {
  if (refusals.length === 1) {
    const [only] = refusals;
    return new BuildError('UNSAFE_PACKAGE', `The package of ${input.project} would install ${only!.path}, ${only!.why}; pkg2os does not package it.`, { hint: hintFor(refusals, recipe) });
  }
  const shown = refusals.slice(0, 12).map((r) => `${r.path} (${r.why})`);
  const more = refusals.length > shown.length ? `, and ${refusals.length - shown.length} more` : '';
  return new BuildError('UNSAFE_PACKAGE', `The package of ${input.project} would install ${refusals.length} paths a Python package may not: ${shown.join('; ')}${more}; pkg2os does not package it.`, { hint: hintFor(refusals, recipe) });
}

function hintFor(refusals: readonly Refusal[], recipe: string): string {
  const first = refusals.find((r) => r.hint)?.hint;
  if (first) return first;
  const fixable = refusals.filter((r) => !/symbolic link|special file|mode \d/.test(r.why));
  if (fixable.length === 0) return 'No recipe can allow links, special files or such modes: report it upstream.';
  return `A Python package installs its modules, its scripts and its documentation, nothing else. If the project really must install these, allow each by name in its recipe (${recipe}): allow-files: [${fixable.slice(0, 5).map((r) => JSON.stringify(r.path)).join(', ')}${fixable.length > 5 ? ', …' : ''}].`;
}
