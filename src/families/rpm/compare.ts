/**
 * A published .rpm against its rebuild. The published one carries the
 * repository's signature, which changes its bytes and nothing else: the two
 * are the same package when the digest of the main header and the payload
 * digest agree. Else the files that differ are named (rpm --dump, path by
 * path), or the header when no file does.
 */
import { run } from '../../exec.js';
import type { PackageComparison } from '../shared/compare-trees.js';

async function digests(file: string): Promise<string> {
  return (await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '%{SHA256HEADER} %{PAYLOADDIGEST}', file], { purpose: `reading the digests of ${file}` })).stdout.trim();
}

async function dump(file: string): Promise<Map<string, string>> {
  const { stdout } = await run('rpm', ['-qp', '--nosignature', '--nodigest', '--dump', file], { purpose: `listing the files of ${file}` });
  // path size mtime digest mode owner group isconfig isdoc rdev symlink: the mtime is rpm's own (SOURCE_DATE_EPOCH), so it counts.
  return new Map(stdout.split('\n').filter(Boolean).map((line) => [line.split(' ')[0]!, line]));
}

/** The maintainer, from the changelog entry pkg2os writes ("Name <email> - EVR"). */
export async function rpmMaintainer(file: string): Promise<string | undefined> {
  const name = (await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '%{CHANGELOGNAME}', file], { purpose: `reading the maintainer of ${file}` })).stdout.trim();
  return name && name !== '(none)' ? name.replace(/ - \S+$/, '') : undefined;
}

export async function compareRpms(published: string, rebuilt: string): Promise<PackageComparison> {
  if ((await digests(published)) === (await digests(rebuilt))) return { identical: true, how: 'the same main header and payload (the published rpm also carries the repository\'s signature)', differing: [] };
  const [a, b] = await Promise.all([dump(published), dump(rebuilt)]);
  const differing = [...new Set([...a.keys(), ...b.keys()])].filter((path) => a.get(path) !== b.get(path)).sort();
  return { identical: false, how: differing.length ? 'their contents differ' : 'the files are alike, and the headers differ (metadata: dependencies, descriptions, scripts)', differing };
}
