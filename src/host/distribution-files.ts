/**
 * What a Debian root (the host's, or a target's) already has installed, from
 * dpkg's own file lists (`var/lib/dpkg/info/*.list`): which package owns a
 * path, and which Python projects a package ships (its .dist-info and
 * .egg-info directories). Read once per root and run.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DistributionFiles {
  /** The package that owns an absolute path, if any. */
  ownerOf(path: string): string | undefined;
  /** The Python projects (normalized names) an installed package ships; undefined when it ships none or is not installed. */
  projectsOf(pkg: string): ReadonlySet<string> | undefined;
}

const memo = new Map<string, Promise<DistributionFiles>>();

const METADATA_DIR = /\/(?:dist|site)-packages\/([A-Za-z0-9_.]+?)-[^/]*\.(?:dist|egg)-info$/;

/** The installed files of the Debian root at `rootPath` (empty for a root without a dpkg database). */
export function distributionFiles(rootPath = '/'): Promise<DistributionFiles> {
  let files = memo.get(rootPath);
  if (!files) {
    files = readDistributionFiles(rootPath);
    memo.set(rootPath, files);
  }
  return files;
}

async function readDistributionFiles(rootPath: string): Promise<DistributionFiles> {
  const info = join(rootPath, 'var/lib/dpkg/info');
  const owners = new Map<string, string>();
  const projects = new Map<string, Set<string>>();
  for (const name of await readdir(info).catch(() => [] as string[])) {
    if (!name.endsWith('.list')) continue;
    const pkg = name.slice(0, -'.list'.length).replace(/:.*$/, '');
    const text = await readFile(join(info, name), 'utf8').catch(() => '');
    for (const path of text.split('\n')) {
      if (!path) continue;
      owners.set(path, pkg);
      const project = METADATA_DIR.exec(path)?.[1];
      if (project) {
        const set = projects.get(pkg) ?? new Set<string>();
        set.add(project.toLowerCase().replace(/[-_.]+/g, '-'));
        projects.set(pkg, set);
      }
    }
  }
  return { ownerOf: (path) => owners.get(path), projectsOf: (pkg) => projects.get(pkg) };
}
