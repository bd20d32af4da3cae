/**
 * Build roots: the root filesystem a target's builds see as "/" (read-only)
 * in the sandbox. The host's own for the host's own release; a directory the
 * configuration names (`roots: {el9: {path: …}}`); else one made from the
 * target's own archive — mmdebstrap for the Debian family (apt checks the
 * archive's signatures), `dnf --installroot` for the RPM family (with the
 * key the configuration gives) — holding Python, its headers, the compilers
 * and the distribution's build tools. Made roots are kept under the cache
 * directory, keyed by (target, archive, package set), stamped with what they
 * were made from, and made again by `pkg2os roots update`. A project's
 * recipe may name packages its build needs (`build-depends:`, e.g. the
 * headers of a C library): they go into a root of their own, made from the
 * target's root recipe plus them and cached the same way (never into the
 * host). Where no root can be had, nothing is built for the target unless
 * the user asked for the host's Python for it (pipeline/run-context.ts).
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RootSettings } from '../config/build-request.js';
import type { TargetProfile } from '../config/targets.js';
import { sha256Hex } from '../digest.js';
import { ConfigError, ToolError } from '../errors.js';
import type { Logger } from '../log.js';
import { HOST_ROOT, type SandboxRoot } from '../box/sandbox.js';
import type { RootRecipe } from './shared/family.types.js';
import { familyOf } from './registry.js';

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

  /** The root builds for `target` run on (with `extra` packages installed in it); undefined when there is none. */
  rootFor(target: TargetProfile, extra: readonly string[] = []): Promise<SandboxRoot | undefined> {
    const packages = [...new Set(extra)].sort();
    const key = [target.name, ...packages].join(' ');
    let root = this.roots.get(key);
    if (!root) {
      // A root that cannot be made (its archive unreachable) is no root: the run says so where it needs one.
      root = this.find(target, 'use', packages).catch((error: unknown) => {
        if (!(error instanceof ToolError)) throw error;
        // The tool's own last words say why (a package the archive does not have, an unreachable mirror).
        const why = error.outputTail.split('\n').map((l) => l.trim()).filter((l) => /^(E|W):|error|unable|not found|failed/i.test(l)).slice(-2).join(' ');
        this.options.logger.warn(`${target.name} has no build root${packages.length ? ` with ${packages.join(', ')}` : ''}: ${error.message}${why ? ` (${why})` : ''}`);
        return undefined;
      });
      this.roots.set(key, root);
    }
    return root;
  }

  /** Whether `target` has a root, or pkg2os knows how to make one (without making it). */
  async available(target: TargetProfile): Promise<boolean> {
    const setting = this.options.settings?.[target.name];
    if (setting?.path) return true;
    const host = await hostRelease();
    if (!setting?.mirror && !setting?.repos && !setting?.packages && host.id === target.osRelease.id && host.versionId === target.osRelease.versionId) return true;
    return familyOf(target).rootRecipe(target, setting) !== undefined;
  }

  /** Make the root of `target` again from its archive now (`pkg2os roots update`). */
  async update(target: TargetProfile): Promise<SandboxRoot | undefined> {
    const root = this.find(target, 'fresh');
    this.roots.set(target.name, root);
    return root;
  }

  /** The root `target` would use now, without making one (`pkg2os roots list`). */
  peek(target: TargetProfile): Promise<SandboxRoot | undefined> {
    return this.find(target, 'peek');
  }

  /**
   * What identifies the root of `target` in a package's inputs: the host's
   * release, the configured path, or a made root's stamp (archive, package
   * set and when it was made from what), so that compiled packages are made
   * again, with a new release, when their root changes.
   */
  async identity(target: TargetProfile): Promise<string> {
    const root = await this.rootFor(target);
    if (!root) return 'none';
    if (root.kind === 'host') return `host:${JSON.stringify(await hostRelease())}`;
    const stamp = await readFile(join(root.path, '.pkg2os-root'), 'utf8').catch(() => undefined);
    return stamp ? `made:${stamp.trim()}` : `path:${root.path}`;
  }

  private async find(target: TargetProfile, mode: 'use' | 'fresh' | 'peek', extra: readonly string[] = []): Promise<SandboxRoot | undefined> {
    const setting = this.options.settings?.[target.name];
    if (setting?.path) {
      const path = resolve(setting.path);
      if (!(await stat(join(path, 'usr/bin/python3')).catch(() => undefined))) {
        throw new ConfigError('INVALID_CONFIG', `The build root ${path} given for ${target.name} has no usr/bin/python3.`, { hint: `Make it a root filesystem of ${target.distribution} with python3 and its development headers.` });
      }
      // A root of the user's own is theirs to equip: pkg2os installs nothing into it.
      if (extra.length) this.options.logger.debug(`${target.name}: the build root ${path} is the configuration's; ${extra.join(', ')} must be installed in it`);
      return { kind: 'dir', path };
    }
    const host = await hostRelease();
    const own = !setting?.mirror && !setting?.repos && !setting?.packages && extra.length === 0;
    if (own && host.id === target.osRelease.id && host.versionId === target.osRelease.versionId) return HOST_ROOT;
    const recipe = familyOf(target).rootRecipe(target, extra.length ? { ...setting, packages: [...(setting?.packages ?? []), ...extra] } : setting);
    if (!recipe) return undefined;
    const base = join(this.options.dir, 'roots', target.name, sha256Hex(JSON.stringify(recipe)).slice(0, 16));
    const current = join(base, 'current');
    await this.passable();
    if (mode !== 'fresh' && (await stat(join(current, 'usr/bin/python3')).catch(() => undefined))) return { kind: 'dir', path: current };
    if (mode === 'peek') return undefined;
    return { kind: 'dir', path: await this.make(target, recipe, base) };
  }

  /**
   * As root, builds run as unprivileged uids, which must pass through the
   * directory that holds the roots (the cache directory, which the cache
   * makes 0711 or, before 0.2.1, 0700): traversable, never listable.
   */
  private async passable(): Promise<void> {
    if (process.getuid?.() !== 0) return;
    await mkdir(this.options.dir, { recursive: true, mode: 0o711 });
    const st = await stat(this.options.dir);
    if ((st.mode & 0o001) === 0) await chmod(this.options.dir, (st.mode & 0o777) | 0o011);
  }

  /** Make the root into a new directory, stamp it, then put it in place of the current one. */
  private async make(target: TargetProfile, recipe: RootRecipe, base: string): Promise<string> {
    await mkdir(base, { recursive: true });
    const fresh = join(base, `new-${process.pid}`);
    await rm(fresh, { recursive: true, force: true });
    this.options.logger.info(`making the ${target.name} build root (${recipe.kind}: ${JSON.stringify({ ...recipe, kind: undefined, packages: undefined })}); it is kept in ${base}`);
    const made = await familyOf(target).makeRoot(target, recipe, fresh);
    await writeFile(join(fresh, '.pkg2os-root'), `${JSON.stringify({ target: target.name, ...recipe, ...made })}\n`);
    const current = join(base, 'current');
    const old = join(base, `old-${process.pid}`);
    if (await stat(current).catch(() => undefined)) await rename(current, old);
    await rename(fresh, current);
    await rm(old, { recursive: true, force: true });
    return current;
  }
}
