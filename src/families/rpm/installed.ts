/** What an RPM-family root has installed: its rpm database (`rpm --root`). */
import { run } from '../../exec.js';
import { installedFilesOnce } from '../shared/distribution-files.js';
import type { DistributionFiles } from '../shared/family.types.js';
import { isRpmRoot } from './root.js';

export function rpmInstalledFiles(rootPath: string, owners: string): Promise<DistributionFiles> {
  return installedFilesOnce(rootPath, owners, async () => {
    const pairs: Array<[string, string]> = [];
    if (!(await isRpmRoot(rootPath))) return pairs;
    const { stdout } = await run('rpm', ['--root', rootPath, '-qa', '--qf', '[%{FILENAMES}\t%{NAME}\n]'], { purpose: `reading the installed files of ${rootPath}` });
    for (const line of stdout.split('\n')) {
      const tab = line.lastIndexOf('\t');
      if (tab > 0) pairs.push([line.slice(0, tab), line.slice(tab + 1)]);
    }
    return pairs;
  });
}
