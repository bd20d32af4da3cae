/**
 * The format-neutral description of one package, made from the wheel's
 * metadata, the target and the configuration. Pure: no I/O.
 */
import { type TargetProfile, markerEnvironment } from '../../config/targets.js';
import type { StagedTree } from '../stage/stage.js';
import { normalizeName } from '../../pep/names.js';
import { requirementsFor } from '../../pep/dependencies.js';
import type { Dependency, PackageInfo } from '../../families/shared/family.types.js';
import { parsePep440, translateSpecifier } from '../../pep/specifier.js';
import { BuildError, ConfigError } from '../../errors.js';
import { type Recipe, extraRelations, packageNameFor } from '../../config/recipes.js';
import { familyOf } from '../../families/registry.js';
import { SHIPPED_TEMPLATES, type Templates } from '../../families/shared/templates.js';
import type { PlannedDependency } from '../plan/plan.types.js';

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
  /** The templates the packager renders (default: pkg2os's own). */
  templates?: Templates;
}

/** Assemble the `PackageInfo` a packager renders. */
export function makePackageInfo(input: PackageInfoInput): PackageInfo {
  const meta = input.tree.metadata;
  checkUpstreamVersion(input.project, meta.version);
  // Without a plan (a single package), the wheel's own Requires-Dist, markers evaluated for the target as the resolver does.
  const planned =
    input.planned ??
    requirementsFor(meta.requiresDist, markerEnvironment(input.target), '', input.project).map((r) => ({ project: r.project, package: `python3-${r.project}`, specifier: r.specifier, source: r.text }));
  let dependencies: Dependency[] = [];
  const skipped: string[] = [];
  for (const dep of planned) {
    const { constraints, dropped, approximate } = translateSpecifier(dep.specifier);
    if (dropped.length) skipped.push(`${dep.project} ${dropped.join(', ')} (exclusions cannot be expressed as a dependency)`);
    if (approximate.length) skipped.push(`${dep.project} ${approximate.join(', ')} (translated to the nearest interval a dependency can express)`);
    dependencies.push({ project: dep.project, name: dep.package, constraints, source: dep.source });
  }
  const drop = new Set((input.recipe?.dependencies?.drop ?? []).map(normalizeName));
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
    // A project built although the distribution provides it takes the distribution's name: one package, pinned by the client files, never two with colliding files.
    name: packageNameFor(input.project, input.recipe, familyOf(input.target).format),
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
    extraRelations: extraRelations(input.recipe, familyOf(input.target).format),
    requiresPython: meta.requiresPython,
    skippedRequirements: skipped,
    sdist: input.sdist,
    licenseTexts: input.licenseTexts,
    sourceDateEpoch: input.sourceDateEpoch,
    tree: input.tree,
    templates: input.templates ?? SHIPPED_TEMPLATES,
  };
}

/** An upstream version that is not PEP 440 is the package's fault, not the user's: a build failure (exit 4), not a usage error. */
function checkUpstreamVersion(project: string, version: string): void {
  try {
    parsePep440(version);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new BuildError('INVALID_METADATA', `The wheel of ${project} says its version is "${version}", which is not a PEP 440 version; it has no Debian or RPM version.`, {
      hint: 'Report it upstream; pin a release of the project with a valid version.',
      cause: error,
    });
  }
}
