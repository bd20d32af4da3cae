/**
 * The format-neutral description of one package, made from the wheel's
 * metadata, the target and the configuration. Pure: no I/O.
 */
import { type TargetProfile, markerEnvironment } from '../config/targets.js';
import type { StagedTree } from '../build/stage.js';
import { BuildError } from '../errors.js';
import { evaluateMarker } from '../pep/markers.js';
import { distroPackageName } from '../pep/names.js';
import { parseRequirement } from '../pep/requirement.js';
import type { Dependency, PackageInfo } from './packager.types.js';
import { translateSpecifier } from './versions.js';
import type { Recipe } from '../config/recipes.js';
import type { PlannedDependency } from '../plan/plan.types.js';

/**
 * Runtime dependencies from Requires-Dist: those whose markers are true for
 * the target's Python (extras are not requested at this level).
 */
export function runtimeDependencies(requiresDist: readonly string[], target: TargetProfile, self: string): { dependencies: Dependency[]; skipped: string[] } {
  const env = markerEnvironment(target);
  const dependencies: Dependency[] = [];
  const skipped: string[] = [];
  for (const text of requiresDist) {
    let req;
    try {
      req = parseRequirement(text);
    } catch (error) {
      throw new BuildError('INVALID_METADATA', `The wheel's metadata has a Requires-Dist that does not parse: "${text}".`, {
        hint: 'Report it upstream; a recipe can drop or replace the dependency.',
        cause: error,
      });
    }
    if ((req.marker && !evaluateMarker(req.marker, env)) || req.project === self) {
      skipped.push(text);
      continue;
    }
    const { constraints, dropped, approximate } = translateSpecifier(req.specifier);
    if (dropped.length) skipped.push(`${req.name} ${dropped.join(', ')} (exclusions cannot be expressed as a dependency)`);
    if (approximate.length) skipped.push(`${req.name} ${approximate.join(', ')} (translated to the nearest interval a dependency can express)`);
    dependencies.push({ project: req.project, name: `python3-${req.project}`, constraints, source: text });
  }
  return { dependencies, skipped };
}

export interface PackageInfoInput {
  project: string;
  tree: StagedTree;
  target: TargetProfile;
  maintainer: string;
  release: number;
  sdist: PackageInfo['sdist'];
  licenseTexts: PackageInfo['licenseTexts'];
  sourceDateEpoch: number;
  /** The project's recipe (name override, dependency fixes). */
  recipe?: Recipe;
  /** Dependencies the resolver planned (markers and extras applied); default: the wheel's Requires-Dist. */
  planned?: readonly PlannedDependency[];
  /** The distribution package name of a dependency (recipes: name, provided-by). */
  nameOf?: (project: string) => string;
}

/** Assemble the `PackageInfo` a packager renders. */
export function makePackageInfo(input: PackageInfoInput): PackageInfo {
  const meta = input.tree.metadata;
  const nameOf = input.nameOf ?? ((project: string) => `python3-${project}`);
  let dependencies: Dependency[];
  let skipped: string[];
  if (input.planned) {
    dependencies = [];
    skipped = [];
    for (const dep of input.planned) {
      const { constraints, dropped, approximate } = translateSpecifier(dep.specifier);
      if (dropped.length) skipped.push(`${dep.project} ${dropped.join(', ')} (exclusions cannot be expressed as a dependency)`);
      if (approximate.length) skipped.push(`${dep.project} ${approximate.join(', ')} (translated to the nearest interval a dependency can express)`);
      dependencies.push({ project: dep.project, name: nameOf(dep.project), constraints, source: dep.source });
    }
  } else {
    ({ dependencies, skipped } = runtimeDependencies(meta.requiresDist, input.target, input.project));
    dependencies = dependencies.map((d) => ({ ...d, name: nameOf(d.project) }));
  }
  const drop = new Set((input.recipe?.dependencies?.drop ?? []).map((d) => d.toLowerCase().replace(/[-_.]+/g, '-')));
  for (const dep of dependencies.filter((d) => drop.has(d.project))) skipped.push(`${dep.source} (dropped by the recipe)`);
  dependencies = dependencies.filter((d) => !drop.has(d.project));
  // One entry per dependency project and constraint.
  const seen = new Set<string>();
  dependencies = dependencies.filter((d) => {
    const k = `${d.project} ${JSON.stringify(d.constraints)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return {
    project: input.project,
    name: input.recipe?.name ?? distroPackageName(input.project),
    upstreamVersion: meta.version,
    release: input.release,
    target: input.target,
    pure: input.tree.pure,
    summary: meta.summary,
    description: meta.description,
    license: meta.license,
    homepage: meta.homepage,
    maintainer: input.maintainer,
    dependencies,
    extraRelations: { deb: input.recipe?.dependencies?.deb ?? [], rpm: input.recipe?.dependencies?.rpm ?? [] },
    requiresPython: meta.requiresPython,
    skippedRequirements: skipped,
    sdist: input.sdist,
    licenseTexts: input.licenseTexts,
    sourceDateEpoch: input.sourceDateEpoch,
    tree: input.tree,
  };
}
