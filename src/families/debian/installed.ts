/** What a Debian-family root has installed: dpkg's own file lists (`var/lib/dpkg/info/*.list`). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installedFilesOnce } from '../shared/distribution-files.js';
import type { DistributionFiles } from '../shared/family.types.js';

export function dpkgInstalledFiles(rootPath: string, owners: string): Promise<DistributionFiles> {
  return installedFilesOnce(rootPath, owners, async () => {
    const pairs: Array<[string, string]> = [];
    const info = join(rootPath, 'var/lib/dpkg/info');
    for (const name of await readdir(info).catch(() => [] as string[])) {
      if (!name.endsWith('.list')) continue;
      const pkg = name.slice(0, -'.list'.length).replace(/:.*$/, '');
      for (const path of (await readFile(join(info, name), 'utf8').catch(() => '')).split('\n')) if (path) pairs.push([path, pkg]);
    }
    return pairs;
  });
}
