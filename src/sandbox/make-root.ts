/**
 * Making a build root from a distribution's own archive: mmdebstrap for the
 * Debian family (apt checks the archive's signed Release with the
 * distribution's keyring), `dnf --installroot` for the RPM family (every
 * package checked with the key the configuration gives). Both run as the
 * distribution's own tools, on the distribution's own packages; no upstream
 * Python code runs here.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetProfile } from '../config/targets.js';
import { ToolError } from '../errors.js';
import { run } from '../exec.js';

export type RootRecipe =
  | { kind: 'debian'; suite: string; mirror: string; keyring?: string; packages: string[] }
  | { kind: 'dnf'; releasever: string; repos: string[]; gpgkey: string; packages: string[] };

const MAKE_TIMEOUT_MS = 30 * 60 * 1000;

/** mmdebstrap the release into `dir`; returns the Date of the archive's Release it was made from. */
export async function makeDebianRoot(target: TargetProfile, recipe: Extract<RootRecipe, { kind: 'debian' }>, dir: string): Promise<{ release?: string }> {
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

/** dnf --installroot the release into `dir` from the recipe's repositories only, every package checked with its key. */
export async function makeDnfRoot(target: TargetProfile, recipe: Extract<RootRecipe, { kind: 'dnf' }>, dir: string): Promise<{ made: string }> {
  const conf = await mkdtemp(join(tmpdir(), 'pkg2os-dnf-'));
  try {
    // A configuration of its own: none of the host's repositories, only these.
    await mkdir(join(conf, 'repos.d'));
    const repos = recipe.repos.map((url, k) => [`[pkg2os-root-${k}]`, `name=${target.distribution} ${k}`, `baseurl=${url}`, 'gpgcheck=1', `gpgkey=file://${recipe.gpgkey}`, 'enabled=1', ''].join('\n'));
    await writeFile(join(conf, 'repos.d', 'root.repo'), repos.join('\n'));
    await mkdir(dir, { recursive: true });
    await run(
      'dnf',
      ['-y', `--installroot=${dir}`, `--releasever=${recipe.releasever}`, `--setopt=reposdir=${join(conf, 'repos.d')}`, `--setopt=cachedir=${join(conf, 'cache')}`, '--setopt=install_weak_deps=False', '--setopt=tsflags=nodocs', '--disableplugin=*', 'install', ...recipe.packages],
      {
        purpose: `making the ${target.name} build root`,
        hint: `Check that ${recipe.repos[0]} is reachable and that ${recipe.gpgkey} is the key of its packages, or give repositories (roots: {${target.name}: {repos: [URL…], gpgkey: FILE}}) or a root of your own (roots: {${target.name}: {path: DIR}}).`,
        timeoutMs: MAKE_TIMEOUT_MS,
        capture: false,
      },
    );
  } finally {
    await rm(conf, { recursive: true, force: true });
  }
  return { made: new Date().toISOString() };
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
