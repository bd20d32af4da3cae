/**
 * Build roots of Debian-family releases: made with mmdebstrap from the
 * release's own archive (apt checks its signed Release with the distribution's
 * keyring); asked for their versions through apt (the candidate, installed
 * or installable, from the root's own lists).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RootSettings } from '../../config/build-request.js';
import type { TargetProfile } from '../../config/targets.js';
import { ToolError } from '../../errors.js';
import { run } from '../../exec.js';
import type { SandboxRoot } from '../../box/sandbox.js';
import type { RootRecipe } from '../shared/family.types.js';

/** What a made root holds besides Python: headers, compilers, and the distribution's build tools. */
export const ROOT_PACKAGES = ['python3', 'python3-dev', 'python3-setuptools', 'python3-wheel', 'python3-build', 'python3-installer', 'build-essential'];

export interface DebianRootRecipe extends RootRecipe {
  kind: 'debian';
  suite: string;
  mirror: string;
  keyring?: string;
}

const MAKE_TIMEOUT_MS = 30 * 60 * 1000;

export function debianRootRecipe(target: TargetProfile, setting: RootSettings | undefined): DebianRootRecipe | undefined {
  if (!target.archive) return undefined;
  return { kind: 'debian', suite: target.archive.suite, mirror: setting?.mirror ?? target.archive.mirror, keyring: setting?.keyring ?? target.archive.keyring, packages: [...ROOT_PACKAGES, ...(setting?.packages ?? [])] };
}

/** mmdebstrap the release into `dir`; returns the Date of the archive's Release it was made from. */
export async function makeDebianRoot(target: TargetProfile, recipe: DebianRootRecipe, dir: string): Promise<{ release?: string }> {
  if (recipe.keyring && !existsSync(recipe.keyring)) {
    throw new ToolError(`Making the ${target.name} build root needs the archive keyring ${recipe.keyring}, which this host does not have.`, 'mmdebstrap', undefined, '', {
      hint: `Install it (apt-get install ${recipe.keyring.includes('ubuntu') ? 'ubuntu-keyring' : 'debian-archive-keyring'}), or give a root of your own: roots: {${target.name}: {path: DIR}}.`,
    });
  }
  await run('mmdebstrap', ['--variant=apt', `--include=${recipe.packages.join(',')}`, '--skip=cleanup/apt/lists', ...(recipe.keyring ? [`--keyring=${recipe.keyring}`] : []), recipe.suite, dir, recipe.mirror], {
    purpose: `making the ${target.name} build root`,
    hint: `Check that ${recipe.mirror} is reachable, or give a mirror (roots: {${target.name}: {mirror: URL}}) or a root of your own (roots: {${target.name}: {path: DIR}}) in pkg2os.config.yaml.`,
    timeoutMs: MAKE_TIMEOUT_MS,
    capture: false,
  });
  return { release: await releaseDate(dir) };
}

/** The Date of the archive's InRelease a Debian root was made from. */
export async function releaseDate(root: string): Promise<string | undefined> {
  const lists = join(root, 'var/lib/apt/lists');
  for (const name of (await readdir(lists).catch(() => [] as string[])).filter((n) => n.endsWith('_InRelease'))) {
    const date = /^Date: (.*)$/m.exec(await readFile(join(lists, name), 'utf8'))?.[1];
    if (date) return date;
  }
  return undefined;
}

/** A root with a dpkg database. */
export async function isDebianRoot(path: string): Promise<boolean> {
  return (await readdir(join(path, 'var/lib/dpkg')).catch(() => [])).length > 0;
}

/** apt's candidate version of each package in the root (installed or installable), from the root's own apt lists. */
export async function aptVersions(packages: readonly string[], root: SandboxRoot): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>(packages.map((p) => [p, null]));
  if (packages.length === 0) return out;
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
