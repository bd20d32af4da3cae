/**
 * What a root has installed, as its family's package database says: which
 * package owns a path, and which Python projects a package ships (its
 * .dist-info and .egg-info directories). Each family reads its own database
 * (dpkg's file lists, rpm's); this turns (path, package) pairs into the
 * answer, once per root and run.
 */
import type { DistributionFiles } from './family.types.js';

const METADATA_DIR = /\/(?:dist|site)-packages\/([A-Za-z0-9_.]+?)-[^/]*\.(?:dist|egg)-info$/;

const memo = new Map<string, Promise<DistributionFiles>>();

/** The installed files of a root, read once (`read` yields its (path, package) pairs). */
export function installedFilesOnce(key: string, owners: string, read: () => Promise<Iterable<[string, string]>>): Promise<DistributionFiles> {
  let files = memo.get(`${key}\u0000${owners}`);
  if (!files) {
    files = read().then((pairs) => fromPairs(pairs, owners));
    memo.set(`${key}\u0000${owners}`, files);
  }
  return files;
}

function fromPairs(pairs: Iterable<[string, string]>, label: string): DistributionFiles {
  const owners = new Map<string, string>();
  const projects = new Map<string, Set<string>>();
  for (const [path, pkg] of pairs) {
    owners.set(path, pkg);
    const project = METADATA_DIR.exec(path)?.[1];
    if (project) {
      const set = projects.get(pkg) ?? new Set<string>();
      set.add(project.toLowerCase().replace(/[-_.]+/g, '-'));
      projects.set(pkg, set);
    }
  }
  return { owners: label, ownerOf: (path) => owners.get(path), projectsOf: (pkg) => projects.get(pkg) };
}
