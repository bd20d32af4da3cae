/**
 * Build roots of RPM-family releases: made with `dnf --installroot` from the
 * release's repositories only, every package checked with the key the
 * configuration gives (without it pkg2os makes no root: never an unchecked
 * one); asked for their versions through the root's rpm database.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RootSettings } from '../../config/build-request.js';
import type { TargetProfile } from '../../config/targets.js';
import { ConfigError } from '../../errors.js';
import { run } from '../../exec.js';
import type { SandboxRoot } from '../../box/sandbox.js';
import type { RootRecipe } from '../shared/family.types.js';
import { scratchDir } from '../../stop-registry.js';

/** What a made root holds besides Python: headers, compilers, and the distribution's build tools. */
export const ROOT_PACKAGES = ['python3', 'python3-devel', 'python3-setuptools', 'python3-wheel', 'python3-build', 'python3-installer', 'gcc', 'gcc-c++', 'make', 'redhat-rpm-config'];

export interface DnfRootRecipe extends RootRecipe {
  kind: 'dnf';
  releasever: string;
  repos: string[];
  gpgkey: string;
}

const MAKE_TIMEOUT_MS = 30 * 60 * 1000;

export function dnfRootRecipe(target: TargetProfile, setting: RootSettings | undefined): DnfRootRecipe | undefined {
  if (!target.dnf) return undefined;
  if (!setting?.gpgkey) {
    // Without the distribution's key, dnf could not check what it installs: no root, rather than an unchecked one.
    if (setting?.repos || setting?.packages) {
      throw new ConfigError('INVALID_CONFIG', `roots: {${target.name}: …} names no gpgkey: pkg2os makes an RPM-family root only from packages dnf checks with the distribution's key.`, {
        hint: `Add gpgkey: /path/to/RPM-GPG-KEY (the key of ${target.distribution}'s packages, e.g. RPM-GPG-KEY-AlmaLinux-9) to roots: {${target.name}: …} in pkg2os.config.yaml.`,
      });
    }
    return undefined;
  }
  return { kind: 'dnf', releasever: target.dnf.releasever, repos: setting.repos ?? target.dnf.repos, gpgkey: resolve(setting.gpgkey), packages: [...ROOT_PACKAGES, ...(setting.packages ?? [])] };
}

/** dnf --installroot the release into `dir` from the recipe's repositories only, every package checked with its key. */
export async function makeDnfRoot(target: TargetProfile, recipe: DnfRootRecipe, dir: string): Promise<{ made: string }> {
  const confDir = await scratchDir(tmpdir(), 'pkg2os-dnf-');
  const conf = confDir.path;
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
    await confDir.remove();
  }
  return { made: new Date().toISOString() };
}

/** A root with an rpm database and no dpkg one. */
export async function isRpmRoot(path: string): Promise<boolean> {
  if ((await readdir(join(path, 'var/lib/dpkg')).catch(() => [])).length > 0) return false;
  for (const db of ['usr/lib/sysimage/rpm', 'var/lib/rpm']) if ((await readdir(join(path, db)).catch(() => [])).length > 0) return true;
  return false;
}

/** The version the root's rpm database has installed of each package (null: not installed, or no database). */
export async function rpmVersions(packages: readonly string[], root: SandboxRoot): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>(packages.map((p) => [p, null]));
  if (packages.length === 0 || root.kind !== 'dir' || !(await isRpmRoot(root.path))) return out;
  const { stdout } = await run('rpm', ['--root', root.path, '-q', '--qf', '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n', ...packages], { purpose: 'asking the build root for its package versions', okExitCodes: [1] }).catch(() => ({ stdout: '' }));
  for (const line of stdout.split('\n')) {
    const [name, evr] = line.split(' ');
    if (name && evr && out.has(name)) out.set(name, evr);
  }
  return out;
}
