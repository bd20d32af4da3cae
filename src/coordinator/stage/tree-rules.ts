/**
 * What a staged tree may hold: the project's own modules and its .dist-info
 * under the Python library directories, its declared scripts in the scripts
 * directory, its headers, and data under /usr/share in places of its own
 * (doc, man, licenses, locale, icons, or a directory named after it).
 * Refused unless the project's recipe allows the path by name (`allow-files`):
 * .pth files and site/usercustomize, which run at every Python start;
 * anything else under /usr (systemd units, other programs); anything outside
 * /usr; links; and files another installed package of the target owns.
 */
import picomatch from 'picomatch';
import { BuildError } from '../../errors.js';
import type { InstallLayout } from '../../families/shared/family.types.js';
import type { DistributionFiles } from '../../families/shared/family.types.js';
import type { StagedEntry } from './tree.js';

/** /usr/share directories any package may install into. */
const SHARED_DATA = new Set(['doc', 'man', 'info', 'licenses', 'locale', 'icons', 'pixmaps']);

export interface TreeRulesInput {
  project: string;
  /** The distribution package being made (a file it owns already is its own). */
  packageName: string;
  layout: InstallLayout;
  entries: readonly StagedEntry[];
  /** Script names the wheel declares. */
  scripts: readonly string[];
  /** Globs of absolute paths the recipe allows. */
  allowFiles: readonly string[];
  /** The target's installed files, when its root has a package database. */
  installed?: DistributionFiles;
  recipeFile?: string;
}

/** Why a path is refused, or undefined when it may be packaged. */
function judge(path: string, input: TreeRulesInput): string | undefined {
  const { layout } = input;
  for (const lib of new Set([layout.purelib, layout.platlib])) {
    if (path === lib || !path.startsWith(`${lib}/`)) continue;
    const top = path.slice(lib.length + 1).split('/')[0]!;
    if (top.endsWith('.pth')) return 'a .pth file, which every Python start executes';
    if (/^(site|user)customize(\.|$)/.test(top)) return 'a sitecustomize/usercustomize module, which every Python start executes';
    return undefined;
  }
  if (path.startsWith(`${layout.scripts}/`)) {
    const name = path.slice(layout.scripts.length + 1);
    return input.scripts.includes(name) ? undefined : 'a program the wheel does not declare as one of its scripts';
  }
  if (path === layout.headers || path.startsWith(`${layout.headers}/`)) return undefined;
  if (path.startsWith('/usr/share/')) {
    const dir = path.split('/')[3]!;
    const own = [input.project, input.project.replace(/-/g, '_'), input.packageName];
    return SHARED_DATA.has(dir) || own.includes(dir.toLowerCase()) ? undefined : `data in /usr/share/${dir}, which is not the project's own place`;
  }
  if (path.startsWith('/etc/') || path === '/etc') return 'a file under /etc';
  return 'a file outside the places a Python package installs into (its modules, scripts, headers and /usr/share data)';
}

/** Refuse a staged tree that would take over the system; the first offending path is named. */
export function checkStagedTree(input: TreeRulesInput): void {
  const allowed = input.allowFiles.length ? picomatch([...input.allowFiles], { dot: true }) : () => false;
  for (const entry of input.entries) {
    if (entry.type === 'dir') continue;
    if (entry.type === 'symlink') throw refuse(input, entry.path, 'a symbolic link');
    if (allowed(entry.path)) continue;
    const why = judge(entry.path, input);
    if (why) throw refuse(input, entry.path, why);
    const owner = input.installed?.ownerOf(entry.path);
    if (owner && owner !== input.packageName) {
      const recipe = input.recipeFile ?? `recipes/${input.project}.yaml`;
      // The distribution's own package of this very project, under another name (python-dateutil is Debian's python3-dateutil).
      const same = input.installed!.projectsOf(owner)?.has(input.project);
      throw refuse(input, entry.path, `a file ${input.installed!.owners} ${owner} owns`, same ? `The distribution ships ${input.project} as ${owner}: to replace it with this build, give the package that name in ${recipe} ("name: {deb: ${owner}}" for Debian targets, or "name: ${owner}" for every format); to depend on the distribution's instead, say "provided-by: ${owner}".` : undefined);
    }
  }
}

function refuse(input: TreeRulesInput, path: string, why: string, hint?: string): BuildError {
  return new BuildError('UNSAFE_PACKAGE', `The package of ${input.project} would install ${path}, ${why}; pkg2os does not package it.`, {
    hint: hint ?? `If the project really must install it, allow it by name in its recipe (${input.recipeFile ?? `recipes/${input.project}.yaml`}): allow-files: ["${path}"].`,
  });
}
