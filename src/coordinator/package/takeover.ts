/**
 * Names and versions that would take over the system need a recipe: a
 * package name the target distribution uses for another upstream project
 * (python3-apt is Debian's apt bindings, not PyPI's "apt"), an epoch (which
 * puts the package above every version of the distribution's without one),
 * and a dependency on such a name (which the distribution's package would
 * satisfy).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { LoadedRecipe } from '../../config/recipes.js';
import { BuildError } from '../../errors.js';
import type { DistributionFiles } from '../../families/shared/family.types.js';
import type { ReleaseData } from '../../families/shared/release-data.js';
import { shipped } from '../../paths.js';
import type { PackageInfo } from '../../families/shared/family.types.js';
import { parsePep440 } from '../../pep/specifier.js';

let known: Map<string, string> | undefined;

/** Names known to belong to another upstream (src/package/distribution-names.yaml). */
function knownNames(): Map<string, string> {
  known ??= new Map(Object.entries(parseYaml(readFileSync(shipped('src', 'coordinator', 'package', 'distribution-names.yaml'), 'utf8')) as Record<string, string>));
  return known;
}

/**
 * What `name` is in the target distribution when that is not `project`, else
 * undefined: a name pkg2os knows belongs to another upstream, a package of
 * the target's whole release that is not the distribution's package of
 * `project` (its release data says which package ships each Python project),
 * or an installed package that ships other projects.
 */
function otherUpstream(name: string, project: string, installed: DistributionFiles | undefined, release: ReleaseData | undefined): string | undefined {
  const known = knownNames().get(name);
  if (known) return known;
  const owner = release && Object.hasOwn(release.packages, name) ? release.packages[name] : undefined;
  if (owner && release!.pythonDists[project]?.package !== owner) return owner === name ? `its package ${owner} (in ${release!.source})` : `${owner}, which provides ${name} (in ${release!.source})`;
  const projects = installed?.projectsOf(name);
  if (projects && !projects.has(project)) return `the distribution's package of ${[...projects].join(', ')}`;
  return undefined;
}

/** A recipe that names the package itself, or says it replaces the distribution's, settles the question. */
function settled(recipe: LoadedRecipe | undefined): boolean {
  return Boolean(recipe?.name || recipe?.['provided-by'] || recipe?.['replaces-distribution-package']);
}

export interface TakeoverContext {
  recipe: LoadedRecipe;
  recipeOf: (project: string) => LoadedRecipe | undefined;
  installed?: DistributionFiles;
  /** What the target's whole release ships, when it can be read. */
  release?: ReleaseData;
}

export function checkTakeover(info: Pick<PackageInfo, 'project' | 'name' | 'upstreamVersion' | 'dependencies'>, context: TakeoverContext): void {
  const recipeFile = context.recipe.file ?? `recipes/${info.project}.yaml`;
  const other = settled(context.recipe) ? undefined : otherUpstream(info.name, info.project, context.installed, context.release);
  if (other) {
    throw new BuildError('UNSAFE_PACKAGE', `${info.project} would be packaged as ${info.name}, a name the target distribution uses for ${other}: installing it would replace that package.`, {
      hint: `If that is what you want, say so in ${recipeFile} with "replaces-distribution-package: true"; otherwise give it another name there ("name: python3-pypi-${info.project}").`,
    });
  }
  if (parsePep440(info.upstreamVersion).epoch > 0 && !context.recipe['allow-epoch']) {
    throw new BuildError('UNSAFE_PACKAGE', `${info.project} ${info.upstreamVersion} has an epoch, which would rank it above every version of ${info.name} the distribution has.`, {
      hint: `If that is intended, say "allow-epoch: true" in ${recipeFile}.`,
    });
  }
  for (const dep of info.dependencies) {
    const depOther = settled(context.recipeOf(dep.project)) ? undefined : otherUpstream(dep.name, dep.project, context.installed, context.release);
    if (depOther) {
      throw new BuildError('UNSAFE_PACKAGE', `${info.project} depends on ${dep.project}, which would be the distribution's ${dep.name} (${depOther}), another project altogether.`, {
        hint: `Give ${dep.project} a recipe (recipes/${dep.project}.yaml) with its own "name:", or "replaces-distribution-package: true", or drop the dependency in ${recipeFile}.`,
      });
    }
  }
}
