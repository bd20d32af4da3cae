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
    dependencies.push({ project: req.project, constraints, source: text });
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
}

/** Assemble the `PackageInfo` a packager renders. */
export function makePackageInfo(input: PackageInfoInput): PackageInfo {
  const meta = input.tree.metadata;
  const { dependencies, skipped } = runtimeDependencies(meta.requiresDist, input.target, input.project);
  return {
    project: input.project,
    name: distroPackageName(input.project),
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
    skippedRequirements: skipped,
    sdist: input.sdist,
    licenseTexts: input.licenseTexts,
    sourceDateEpoch: input.sourceDateEpoch,
    tree: input.tree,
  };
}
