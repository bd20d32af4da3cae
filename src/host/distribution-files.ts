/**
 * What a root (the host's, or a target's) already has installed: from dpkg's
 * own file lists (`var/lib/dpkg/info/*.list`) in a Debian root, from rpm's
 * database (`rpm --root`) in an RPM one: which package owns a path, and which
 * Python projects a package ships (its .dist-info and .egg-info
 * directories). Read once per root and run.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../exec.js';

export interface DistributionFiles {
  /** Whose files these are, for messages: "the target's package" or a stand-in's. */
  owners: string;
  /** The package that owns an absolute path, if any. */
  ownerOf(path: string): string | undefined;
  /** The Python projects (normalized names) an installed package ships; undefined when it ships none or is not installed. */
  projectsOf(pkg: string): ReadonlySet<string> | undefined;
}

const memo = new Map<string, Promise<DistributionFiles>>();

const METADATA_DIR = /\/(?:dist|site)-packages\/([A-Za-z0-9_.]+?)-[^/]*\.(?:dist|egg)-info$/;

/** The installed files of the root at `rootPath` (empty for a root without a package database). */
export function distributionFiles(rootPath = '/', owners = "the target's package"): Promise<DistributionFiles> {
  const key = `${rootPath}\u0000${owners}`;
  let files = memo.get(key);
  if (!files) {
    files = readDistributionFiles(rootPath, owners);
    memo.set(key, files);
  }
  return files;
}

async function readDistributionFiles(rootPath: string, label: string): Promise<DistributionFiles> {
  const owners = new Map<string, string>();
  const projects = new Map<string, Set<string>>();
  const own = (path: string, pkg: string) => {
    owners.set(path, pkg);
    const project = METADATA_DIR.exec(path)?.[1];
    if (project) {
      const set = projects.get(pkg) ?? new Set<string>();
      set.add(project.toLowerCase().replace(/[-_.]+/g, '-'));
      projects.set(pkg, set);
    }
  };
  const info = join(rootPath, 'var/lib/dpkg/info');
  for (const name of await readdir(info).catch(() => [] as string[])) {
    if (!name.endsWith('.list')) continue;
    const pkg = name.slice(0, -'.list'.length).replace(/:.*$/, '');
    for (const path of (await readFile(join(info, name), 'utf8').catch(() => '')).split('\n')) if (path) own(path, pkg);
  }
  if (owners.size === 0 && rootPath !== '/' && (await rpmDatabase(rootPath))) {
    const { stdout } = await run('rpm', ['--root', rootPath, '-qa', '--qf', '[%{FILENAMES}\t%{NAME}\n]'], { purpose: `reading the installed files of ${rootPath}` });
    for (const line of stdout.split('\n')) {
      const tab = line.lastIndexOf('\t');
      if (tab > 0) own(line.slice(0, tab), line.slice(tab + 1));
    }
  }
  return { owners: label, ownerOf: (path) => owners.get(path), projectsOf: (pkg) => projects.get(pkg) };
}

async function rpmDatabase(rootPath: string): Promise<boolean> {
  for (const dir of ['usr/lib/sysimage/rpm', 'var/lib/rpm']) if ((await readdir(join(rootPath, dir)).catch(() => [])).length > 0) return true;
  return false;
}
