/**
 * Build roots: the root filesystem a target's builds see as "/" (read-only)
 * in the sandbox. The host's own for the host's own release; a directory the
 * configuration names (`roots: {el9: {path: …}}`); for a Debian-family target,
 * one made from the target's own archive with mmdebstrap (apt checks the
 * archive's signatures), with Python, its headers, the compilers and the
 * distribution's build tools — kept under the cache directory, keyed by
 * (target, mirror, package set) and stamped with the archive Release's date,
 * and made again by `pkg2os roots update`. Where no root can be had, pure
 * Python still builds on the host's root and compiled code fails clearly.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RootSettings } from '../config/build-request.js';
import type { TargetProfile } from '../config/targets.js';
import { sha256Hex } from '../digest.js';
import { ConfigError } from '../errors.js';
import { run } from '../exec.js';
import type { Logger } from '../log.js';
import { HOST_ROOT, type SandboxRoot } from './sandbox.js';

/** What a made root holds besides Python: headers, compilers, and the distribution's build tools. */
export const ROOT_PACKAGES = ['python3', 'python3-dev', 'python3-setuptools', 'python3-wheel', 'python3-build', 'python3-installer', 'build-essential'];

export type { RootSettings } from '../config/build-request.js';

export interface BuildRootsOptions {
  /** Where made roots are kept (the cache directory, or the run's work directory). */
  dir: string;
  settings?: Record<string, RootSettings>;
  logger: Logger;
}

/** The host's release (os-release ID and VERSION_ID). */
export async function hostRelease(): Promise<{ id: string; versionId: string }> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
  return { id: field('ID'), versionId: field('VERSION_ID') };
}

export class BuildRoots {
  private readonly roots = new Map<string, Promise<SandboxRoot | undefined>>();

  constructor(private readonly options: BuildRootsOptions) {}

  /** The root builds for `target` run on; undefined when there is none (pure Python then builds on the host's). */
  rootFor(target: TargetProfile): Promise<SandboxRoot | undefined> {
    let root = this.roots.get(target.name);
    if (!root) {
      root = this.find(target, false);
      this.roots.set(target.name, root);
    }
    return root;
  }

  /**
   * What identifies the root of `target` in a package's inputs: the host's
   * release, the configured path, or a made root's stamp (archive, suite,
   * package set and the Release date it was made from), so that compiled
   * packages are made again, with a new release, when their root changes.
   */
  async identity(target: TargetProfile): Promise<string> {
    const root = await this.rootFor(target);
    if (!root) return 'none';
    if (root.kind === 'host') return `host:${JSON.stringify(await hostRelease())}`;
    const stamp = await readFile(join(root.path, '.pkg2os-root'), 'utf8').catch(() => undefined);
    return stamp ? `made:${stamp.trim()}` : `path:${root.path}`;
  }

  /** Make the root of `target` again from its archive now (`pkg2os roots update`). */
  async update(target: TargetProfile): Promise<SandboxRoot | undefined> {
    const root = this.find(target, true);
    this.roots.set(target.name, root);
    return root;
  }

  private async find(target: TargetProfile, fresh: boolean): Promise<SandboxRoot | undefined> {
    const setting = this.options.settings?.[target.name];
    if (setting?.path) {
      if (!(await stat(join(setting.path, 'usr/bin/python3')).catch(() => undefined))) {
        throw new ConfigError('INVALID_CONFIG', `The build root ${setting.path} given for ${target.name} has no usr/bin/python3.`, { hint: `Make it a root filesystem of ${target.distribution} with python3 and its development headers.` });
      }
      return { kind: 'dir', path: setting.path };
    }
    const host = await hostRelease();
    if (!setting?.mirror && host.id === target.osRelease.id && host.versionId === target.osRelease.versionId) return HOST_ROOT;
    if (!target.archive) return undefined;
    const mirror = setting?.mirror ?? target.archive.mirror;
    const base = join(this.options.dir, 'roots', target.name, sha256Hex(JSON.stringify({ mirror, suite: target.archive.suite, packages: ROOT_PACKAGES })).slice(0, 16));
    const current = join(base, 'current');
    if (!fresh && (await stat(join(current, 'usr/bin/python3')).catch(() => undefined))) return { kind: 'dir', path: current };
    return { kind: 'dir', path: await this.make(target, mirror, base) };
  }

  /** mmdebstrap the target's release into a new directory, then put it in place of the current one. */
  private async make(target: TargetProfile, mirror: string, base: string): Promise<string> {
    await mkdir(base, { recursive: true });
    const fresh = join(base, `new-${process.pid}`);
    await rm(fresh, { recursive: true, force: true });
    this.options.logger.info(`making the ${target.name} build root from ${mirror} (${target.archive!.suite}) with mmdebstrap; it is kept in ${base}`);
    await run('mmdebstrap', ['--variant=apt', `--include=${ROOT_PACKAGES.join(',')}`, '--skip=cleanup/apt/lists', ...(target.archive!.keyring ? [`--keyring=${target.archive!.keyring}`] : []), target.archive!.suite, fresh, mirror], {
      purpose: `making the ${target.name} build root`,
      hint: `Check that ${mirror} is reachable, or give a root of your own: roots: {${target.name}: {path: /srv/roots/${target.name}}} in pkg2os.config.yaml.`,
      timeoutMs: 30 * 60 * 1000,
      capture: false,
    });
    const released = await releaseDate(fresh);
    await writeFile(join(fresh, '.pkg2os-root'), `${JSON.stringify({ target: target.name, mirror, suite: target.archive!.suite, release: released, packages: ROOT_PACKAGES })}\n`);
    const current = join(base, 'current');
    const old = join(base, `old-${process.pid}`);
    if (await stat(current).catch(() => undefined)) await rename(current, old);
    await rename(fresh, current);
    await rm(old, { recursive: true, force: true });
    return current;
  }
}

/** The Date of the archive's InRelease the root was made from. */
export async function releaseDate(root: string): Promise<string | undefined> {
  const lists = join(root, 'var/lib/apt/lists');
  for (const name of (await readdir(lists).catch(() => [] as string[])).filter((n) => n.endsWith('_InRelease'))) {
    const date = /^Date: (.*)$/m.exec(await readFile(join(lists, name), 'utf8'))?.[1];
    if (date) return date;
  }
  return undefined;
}
