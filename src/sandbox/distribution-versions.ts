/**
 * The version a target's distribution has of a package: in a Debian root
 * (the host's for the host's release, a made root's for the others) apt's
 * candidate (installed or installable) from the root's own apt lists; in an
 * RPM root given by the configuration, the version its rpm database has
 * installed. Unknown (null) where there is no root, or the root does not know
 * the package.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../exec.js';
import type { SandboxRoot } from './sandbox.js';

export async function distributionVersions(packages: readonly string[], root: SandboxRoot | undefined): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>(packages.map((p) => [p, null]));
  if (!root || packages.length === 0) return out;
  if (root.kind === 'dir' && (await isRpmRoot(root.path))) {
    const { stdout } = await run('rpm', ['--root', root.path, '-q', '--qf', '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n', ...packages], { purpose: 'asking the build root for its package versions', okExitCodes: [1] }).catch(() => ({ stdout: '' }));
    for (const line of stdout.split('\n')) {
      const [name, evr] = line.split(' ');
      if (name && evr && out.has(name)) out.set(name, evr);
    }
    return out;
  }
  const dir = root.kind === 'dir' ? ['-o', `Dir=${root.path}`] : [];
  const { stdout } = await run('apt-cache', [...dir, 'policy', ...packages], { purpose: 'asking the distribution for its package versions', okExitCodes: [100] }).catch(() => ({ stdout: '' }));
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) current = head[1];
    const candidate = /^\s+Candidate: (.+)$/.exec(line)?.[1];
    if (current && candidate && out.has(current)) out.set(current, candidate === '(none)' ? null : candidate);
  }
  return out;
}

/** A root with an rpm database and no dpkg one. */
async function isRpmRoot(path: string): Promise<boolean> {
  if ((await readdir(join(path, 'var/lib/dpkg')).catch(() => [])).length > 0) return false;
  for (const db of ['usr/lib/sysimage/rpm', 'var/lib/rpm']) if ((await readdir(join(path, db)).catch(() => [])).length > 0) return true;
  return false;
}
