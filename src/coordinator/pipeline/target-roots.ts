/**
 * Where each target's wheels are built: in that target's own root, pure
 * code too — its Python, its installed versions deciding what the
 * distribution satisfies, and the packages a project's recipe names
 * (`build-depends:`) installed into a root of their own. The host's root
 * serves the host's own release. A target pkg2os cannot make a root of is
 * refused before any work, unless the user asked for the host's Python for
 * it (`--host-python`, `host-python:`, PKG2OS_HOST_PYTHON); then its
 * builds run on the host, and the run says so.
 */
import { type LoadedRecipe, buildDependsFor } from '../../config/recipes.js';
import type { TargetProfile } from '../../config/targets.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { HOST_ROOT, type SandboxRoot } from '../../box/sandbox.js';
import type { BuildRoots } from '../../families/build-roots.js';
import { familyOf } from '../../families/registry.js';

export class TargetRoots {
  private readonly warned = new Set<string>();
  private hostTargets?: Set<string>;

  constructor(
    private readonly roots: BuildRoots,
    private readonly hostPython: readonly string[],
    private readonly logger: Logger,
  ) {}

  /** The packages a recipe has a target's root carry for its build. */
  static buildDepends(recipe: LoadedRecipe, target: TargetProfile): string[] {
    return buildDependsFor(recipe, familyOf(target).format);
  }

  /** Refuse, before any work, a target with no root that the user did not allow on the host's Python. */
  async check(targets: readonly TargetProfile[]): Promise<void> {
    this.hostTargets = new Set();
    for (const target of targets) {
      const root = (await this.roots.available(target)) ? await this.roots.peek(target).catch(() => undefined) : undefined;
      if (root?.kind === 'host') this.hostTargets.add(target.name);
      if (await this.roots.available(target)) continue;
      if (!this.hostPython.includes(target.name)) throw noRoot(target);
      this.hostTargets.add(target.name);
    }
  }

  /** Whether `target` builds on the host's root (before check(): assumed). */
  onHost(target: TargetProfile): boolean {
    return this.hostTargets?.has(target.name) ?? true;
  }

  /** Whether some target builds `recipe`'s project on the host's root (its wheel is then made when it is first prepared). */
  buildsOnHost(recipe: LoadedRecipe, targets: readonly TargetProfile[]): boolean {
    return targets.some((t) => this.hostTargets?.has(t.name) && TargetRoots.buildDepends(recipe, t).length === 0);
  }

  /** The root a project's wheel for `target` is built in. */
  async rootFor(target: TargetProfile, recipe: LoadedRecipe): Promise<SandboxRoot> {
    const extra = TargetRoots.buildDepends(recipe, target);
    const root = await this.roots.rootFor(target, extra);
    if (root) return root;
    if (!this.hostPython.includes(target.name)) throw noRoot(target, extra);
    if (extra.length) {
      throw new ConfigError('UNSUPPORTED_TARGET', `The recipe asks for ${extra.join(', ')} in ${target.name}'s build root, and pkg2os cannot make one: it installs nothing into the host.`, {
        hint: `${familyOf(target).rootHint(target)}`,
      });
    }
    if (!this.warned.has(target.name)) {
      this.warned.add(target.name);
      this.logger.warn(`${target.name}: built with this host's Python and build tools, as --host-python asks (pkg2os cannot make ${target.distribution}'s root here): pure Python only, and its packages carry no bytecode.`);
    }
    return HOST_ROOT;
  }
}

function noRoot(target: TargetProfile, extra: readonly string[] = []): ConfigError {
  return new ConfigError('UNSUPPORTED_TARGET', `pkg2os cannot make a build root for ${target.name}${extra.length ? ` with ${extra.join(', ')}` : ''}, and builds for a target run in that target's own root (its Python ${target.pythonVersion}, its build tools).`, {
    hint: `${familyOf(target).rootHint(target)} Or build its pure-Python packages with this host's Python: --host-python ${target.name} (host-python: [${target.name}] in pkg2os.config.yaml).`,
  });
}
