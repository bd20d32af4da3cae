/** Reading many rpms' headers at once: name, EVR, arch and payload digest, one rpm process per 500 files. */
import { PublishError } from '../../../errors.js';
import { run } from '../../../exec.js';
import type { Evr } from '../version-compare.js';

export interface RpmHeader extends Evr {
  name: string;
  arch: string;
  /** The payload digest: the same for a package before and after signing. */
  payload: string;
}

const QUERY_FORMAT = '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{PAYLOADDIGEST}\n';

export async function queryRpms(paths: readonly string[], what: string): Promise<RpmHeader[]> {
  const out: RpmHeader[] = [];
  for (let i = 0; i < paths.length; i += 500) {
    const chunk = paths.slice(i, i + 500);
    const { stdout } = await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', QUERY_FORMAT, ...chunk], { purpose: `reading ${what}`, phase: 'publish' });
    const lines = stdout.split('\n').filter(Boolean);
    if (lines.length !== chunk.length) throw new PublishError('PUBLISH_FAILED', `rpm read ${lines.length} of ${chunk.length} packages in ${what}; one of them is not a usable rpm.`);
    for (const line of lines) {
      const [name, epoch, version, release, arch, payload] = line.split('\t');
      out.push({ name: name!, epoch: Number(epoch), version: version!, release: release!, arch: arch!, payload: payload! });
    }
  }
  return out;
}
