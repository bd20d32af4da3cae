/**
 * Build requirements, resolved like runtime requirements but for the build's
 * Python: each one — and, for what comes from the index, each of its own
 * dependencies — is satisfied
 *   1. by the build root's distribution, when its installed version satisfies it;
 *   2. else from the index, verified like any sdist: a pure wheel when the
 *      chosen version has one, else built from its sdist in the sandbox, with
 *      its own build requirements resolved the same way.
 * A bootstrap cycle (a backend that needs itself to build) is broken by the
 * distribution's version, and the resolution says so. The answer is a plan:
 * which version of what from where, and the digest of the wheels it needs.
 */
import { satisfies } from '@renovatebot/pep440';
import type { LoadedRecipe } from '../../config/recipes.js';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import { BuildError, Pkg2osError } from '../../errors.js';
import type { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import { availableVersions, selectBuildDistribution } from '../index/select.js';
import { requirementsFor } from '../../pep/dependencies.js';
import { type MarkerEnvironment, evaluateMarker } from '../../pep/markers.js';
import { type Requirement, parseRequirement } from '../../pep/requirement.js';
import type { Verdict } from '../verify/upstream-verifier.js';
import type { ValidatedWheel } from '../../build/validate-wheel.js';
import type { FetchedWheel } from './fetch-wheel.js';
import { ENV_LAYOUT } from '../../build/build-env.js';

/** Where a build requirement came from. */
export type BuildRequirementSource = 'distribution' | 'index-wheel' | 'index-sdist' | 'bootstrap';

export interface ResolvedBuildRequirement {
  /** As declared (or, for a dependency of one, "dep (for parent)"). */
  requirement: string;
  project: string;
  version: string;
  source: BuildRequirementSource;
  file?: string;
  sha256?: string;
  /** The verification of the file from the index. */
  checks?: Verdict['checks'];
  note?: string;
}

export interface BuildPlan {
  requirements: ResolvedBuildRequirement[];
  /** The wheels to install into the environment (none when the distribution provides everything). */
  wheels: ValidatedWheel[];
  /** Digest of those wheels and the root: the environment's identity ('distribution' when there are none). */
  key: string;
}

export interface ResolverContext {
  client: IndexClient;
  recipe: (project: string) => Promise<LoadedRecipe>;
  cache?: ContentCache;
  /** The build root's Python and what its distribution has installed (normalized name → version). */
  python: { fullVersion: string; markers: MarkerEnvironment; distributions: ReadonlyMap<string, string>; distribution: string };
  /** Identity of the build root, part of every environment's key. */
  rootIdentity: string;
  fetchWheel(candidate: SdistCandidate, recipe: LoadedRecipe): Promise<FetchedWheel>;
  /** Build a requirement from its sdist; `chain` holds the requirements being built around it. */
  buildFromSdist(candidate: SdistCandidate, chain: string[]): Promise<FetchedWheel>;
  /** Versions to take from the index whatever else satisfies (normalized name → version): a published build made again (verify-build). */
  pins?: ReadonlyMap<string, string>;
}

type Chosen = { version: string; source: BuildRequirementSource; wheel?: ValidatedWheel; extras: Set<string> };

export class BuildRequirementResolver {
  private readonly fetched = new Map<string, Promise<FetchedWheel>>();

  constructor(private readonly context: ResolverContext) {}

  /** Resolve `requirements` (PEP 508 texts) for building `label`; `chain` lists the build requirements being built around it. */
  async plan(requirements: readonly string[], chain: readonly string[], label: string): Promise<BuildPlan> {
    const { python } = this.context;
    const queue: Array<{ req: Requirement; declared: string }> = [];
    for (const text of requirements) {
      const req = parseOrFail(text, label);
      if (!req.marker || evaluateMarker(req.marker, python.markers, [])) queue.push({ req, declared: text });
    }
    const chosen = new Map<string, Chosen>();
    const resolved: ResolvedBuildRequirement[] = [];
    while (queue.length > 0) {
      const { req, declared } = queue.shift()!;
      const existing = chosen.get(req.project);
      if (existing) {
        if (req.specifier && !satisfies(existing.version, req.specifier.replace(/, /g, ','), { prereleases: true })) {
          throw new BuildError('MISSING_BUILD_BACKEND', `${label} needs ${req.text} to build, and also ${req.project} ${existing.version} for another of its build requirements.`, { hint: 'Pin compatible versions in a recipe patch, or report the conflict upstream.' });
        }
        for (const extra of req.extras.filter((e) => !existing.extras.has(e))) {
          existing.extras.add(extra);
          if (existing.wheel) this.follow(existing.wheel, extra, queue);
        }
        continue;
      }
      const installed = python.distributions.get(req.project);
      if (installed !== undefined && (!req.specifier || satisfies(installed, req.specifier.replace(/, /g, ','), { prereleases: true }))) {
        chosen.set(req.project, { version: installed, source: 'distribution', extras: new Set(req.extras) });
        resolved.push({ requirement: declared, project: req.project, version: installed, source: 'distribution' });
        continue;
      }
      if (chain.includes(req.project)) {
        if (installed === undefined) throw cycleError(req, chain, label, python.distribution);
        chosen.set(req.project, { version: installed, source: 'bootstrap', extras: new Set() });
        resolved.push({ requirement: declared, project: req.project, version: installed, source: 'bootstrap', note: `bootstrap: ${python.distribution}'s ${req.project} ${installed} builds ${chain.join(' → ')}, which needs ${req.text}` });
        continue;
      }
      const pinned = this.context.pins?.get(req.project);
      const { candidate, fetched } = await this.fromIndex(pinned ? { ...req, specifier: `==${pinned}` } : req, installed, chain, label);
      chosen.set(req.project, { version: candidate.version, source: candidate.kind === 'wheel' ? 'index-wheel' : 'index-sdist', wheel: fetched.wheel, extras: new Set(req.extras) });
      resolved.push({ requirement: declared, project: req.project, version: candidate.version, source: candidate.kind === 'wheel' ? 'index-wheel' : 'index-sdist', file: candidate.file.filename, sha256: fetched.verdict.sha256, checks: fetched.verdict.checks });
      this.follow(fetched.wheel, '', queue);
      for (const extra of req.extras) this.follow(fetched.wheel, extra, queue);
    }
    const wheels = [...chosen.values()].filter((c) => c.wheel).map((c) => c.wheel!);
    const key = wheels.length === 0 ? 'distribution' : cacheKey({ root: this.context.rootIdentity, layout: ENV_LAYOUT, wheels: wheels.map((w) => [w.metadata.name, w.metadata.version, w.sha256]).sort() });
    return { requirements: resolved, wheels: wheels.sort((a, b) => (a.path < b.path ? -1 : 1)), key };
  }

  /** A wheel's own runtime dependencies (for `extra`), evaluated for the build's Python, go into the environment too. */
  private follow(wheel: ValidatedWheel, extra: string, queue: Array<{ req: Requirement; declared: string }>): void {
    const project = wheel.metadata.name.toLowerCase().replace(/[-_.]+/g, '-');
    for (const dep of requirementsFor(wheel.metadata.requiresDist, this.context.python.markers, extra, project)) {
      queue.push({ req: dep, declared: `${dep.text} (for ${wheel.metadata.name})` });
    }
  }

  /** The newest satisfying version on the index, as a verified wheel (its own, or built from its sdist). */
  private async fromIndex(req: Requirement, installed: string | undefined, chain: readonly string[], label: string) {
    const page = await this.context.client.projectPage(req.project).catch((error: unknown) => {
      if (error instanceof Pkg2osError) throw unsatisfiable(req, installed, label, this.context.python.distribution, error.code === 'PROJECT_NOT_FOUND' ? `the index has no ${req.project}` : `its index page could not be read (${error.message})`);
      throw error;
    });
    const candidate = selectBuildDistribution(page, req, { pythonFullVersion: this.context.python.fullVersion });
    if (!candidate) {
      const versions = availableVersions(page, req.project);
      throw unsatisfiable(req, installed, label, this.context.python.distribution, versions.length ? `the index has ${req.project} ${versions.slice(0, 6).join(', ')}${versions.length > 6 ? ', …' : ''}, none of which satisfies it as a pure wheel or sdist` : `the index lists no ${req.project} files`);
    }
    const id = `${candidate.kind} ${candidate.file.url}`;
    let fetched = this.fetched.get(id);
    if (!fetched) {
      const recipe = await this.context.recipe(req.project);
      fetched = candidate.kind === 'wheel' ? this.context.fetchWheel(candidate, recipe) : this.context.buildFromSdist(candidate, [...chain, req.project]);
      this.fetched.set(id, fetched);
    }
    return { candidate, fetched: await fetched };
  }
}

function parseOrFail(text: string, label: string): Requirement {
  try {
    return parseRequirement(text);
  } catch (error) {
    throw new BuildError('INVALID_METADATA', `${label} declares a build requirement that does not parse: "${text}".`, { hint: 'Report it upstream; a recipe patch can fix pyproject.toml meanwhile.', cause: error });
  }
}

function unsatisfiable(req: Requirement, installed: string | undefined, label: string, distribution: string, index: string): BuildError {
  const distro = installed === undefined ? `${distribution} has no ${req.project}` : `${distribution} has ${req.project} ${installed}`;
  return new BuildError('MISSING_BUILD_BACKEND', `${label} needs ${req.text} to build; ${distro}; ${index}.`, {
    hint: `Publish a version of ${req.project} that satisfies it on the index (a pure wheel or an sdist), or pin an older release of the project that builds with what is there.`,
  });
}

function cycleError(req: Requirement, chain: readonly string[], label: string, distribution: string): BuildError {
  return new BuildError('MISSING_BUILD_BACKEND', `${label} cannot be built: its build requirements form a cycle (${[...chain, req.project].join(' → ')}), and ${distribution} has no ${req.project} to break it with.`, {
    hint: `Publish a pure wheel of one of ${[...new Set([...chain, req.project])].join(', ')} on the index: a wheel needs no build.`,
  });
}
