/**
 * Build requirements, resolved as upstream tests them: by default each is
 * the newest version on the index that satisfies every constraint (a pure
 * wheel when that version has one, else built from its sdist in the sandbox,
 * verified like any sdist: hash, signature, provenance, lockfile), and the
 * build root's distribution version only when the index has none that
 * satisfies; with `build-requirements: distribution-first` (configuration or
 * the project's recipe) the distribution's version wherever it satisfies.
 * The resolution backtracks (plan/backtrack.ts): a choice a later constraint
 * rules out is given up for the next. What comes from the index brings its
 * own runtime dependencies into the environment, resolved the same way. A
 * bootstrap cycle (a backend that needs itself to build) is broken by the
 * distribution's version, and the resolution says so. The answer is a plan:
 * which version of what from where and why, and the digest of the wheels it
 * needs.
 */
import { satisfies } from '@renovatebot/pep440';
import type { LoadedRecipe } from '../../config/recipes.js';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import { BuildError, Pkg2osError } from '../../errors.js';
import type { IndexClient } from '../index/index-client.js';
import type { ProjectPage, SdistCandidate } from '../../pep/index.types.js';
import { type BuildCandidate, availableVersions, buildDistributions } from '../index/select.js';
import { requirementsFor } from '../../pep/dependencies.js';
import { type MarkerEnvironment, evaluateMarker } from '../../pep/markers.js';
import { type Requirement, parseRequirement } from '../../pep/requirement.js';
import type { Verdict } from '../verify/upstream-verifier.js';
import type { ValidatedWheel } from '../../build/validate-wheel.js';
import type { FetchedWheel } from './fetch-wheel.js';
import { ENV_LAYOUT } from '../../build/build-env.js';
import { type Constraint, type Provider, ResolutionConflict, backtrack, combined } from '../plan/backtrack.js';

/** Where a build requirement came from. */
export type BuildRequirementSource = 'distribution' | 'index-wheel' | 'index-sdist' | 'bootstrap';

/** How build requirements are chosen: the newest verified on the index (default), or the build root's wherever it satisfies. */
export type BuildRequirementPolicy = 'newest' | 'distribution-first';

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
  /** Why this version from there. */
  reason?: string;
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
  /** The configuration's policy (a project's recipe wins for its own build). */
  policy?: BuildRequirementPolicy;
}

/** A choice for a build requirement: a file from the index, or the build root's distribution. */
type Choice = { source: 'index'; candidate: BuildCandidate } | { source: 'distribution' | 'bootstrap'; version: string };

const versionOf = (c: Choice) => (c.source === 'index' ? c.candidate.version : c.version);

export class BuildRequirementResolver {
  private readonly fetched = new Map<string, Promise<FetchedWheel>>();
  private readonly pages = new Map<string, Promise<ProjectPage | Pkg2osError>>();

  constructor(private readonly context: ResolverContext) {}

  /** Resolve `requirements` (PEP 508 texts) for building `label`; `chain` lists the build requirements being built around it. */
  async plan(requirements: readonly string[], chain: readonly string[], label: string, policy?: BuildRequirementPolicy): Promise<BuildPlan> {
    const { python } = this.context;
    const chosenPolicy = policy ?? this.context.policy ?? 'newest';
    const roots: Requirement[] = [];
    for (const text of requirements) {
      const req = parseOrFail(text, label);
      if (!req.marker || evaluateMarker(req.marker, python.markers, [])) roots.push(req);
    }
    const fetchedOf = new Map<Choice, FetchedWheel>();
    const provider: Provider<Choice> = {
      candidates: async (project, specifier) => {
        const installed = python.distributions.get(project);
        const fits = installed !== undefined && (specifier === '' || satisfies(installed, specifier, { prereleases: true }));
        // A backend that needs itself to build: the distribution's breaks the cycle.
        if (chain.includes(project)) {
          if (installed === undefined) throw cycleError(project, chain, label, python.distribution);
          // Whatever version the distribution has: only it can build the project (an in-tree backend then builds itself).
          return [{ source: 'bootstrap', version: installed }];
        }
        const pinned = this.context.pins?.get(project);
        const fromIndex = (await this.indexCandidates(project, pinned ? `==${pinned}` : specifier)).map((candidate): Choice => ({ source: 'index', candidate }));
        const fromRoot: Choice[] = fits && (!pinned || installed === pinned) ? [{ source: 'distribution', version: installed! }] : [];
        return chosenPolicy === 'distribution-first' ? [...fromRoot, ...fromIndex] : [...fromIndex, ...fromRoot];
      },
      satisfies: (choice, specifier) => choice.source === 'bootstrap' || specifier === '' || satisfies(versionOf(choice), specifier, { prereleases: true }),
      dependencies: async (project, choice, extra) => {
        if (choice.source !== 'index') return [];
        const fetched = await this.fetch(choice.candidate, chain);
        fetchedOf.set(choice, fetched);
        return requirementsFor(fetched.wheel.metadata.requiresDist, python.markers, extra, project);
      },
      describe: (project, choice, extra) => `${project}${extra ? `[${extra}]` : ''} ${versionOf(choice)}`,
    };
    let resolution;
    try {
      resolution = await backtrack(roots, provider);
    } catch (error) {
      if (error instanceof ResolutionConflict) throw await this.conflict(error, label);
      throw error;
    }
    if (resolution.kind !== 'resolved') throw new Error('the build requirement resolver asked for data it fetches itself');
    const resolved: ResolvedBuildRequirement[] = [];
    const wheels: ValidatedWheel[] = [];
    for (const project of resolution.order) {
      const decided = resolution.decided.get(project)!;
      const choice = decided.candidate;
      const requirement = declared(decided.constraints);
      const reason = this.reasonFor(project, choice, decided.constraints, chosenPolicy);
      if (choice.source === 'index') {
        const fetched = fetchedOf.get(choice) ?? (await this.fetch(choice.candidate, chain));
        wheels.push(fetched.wheel);
        resolved.push({ requirement, project, version: choice.candidate.version, source: choice.candidate.kind === 'wheel' ? 'index-wheel' : 'index-sdist', file: choice.candidate.file.filename, sha256: fetched.verdict.sha256, checks: fetched.verdict.checks, reason });
      } else if (choice.source === 'bootstrap') {
        resolved.push({ requirement, project, version: choice.version, source: 'bootstrap', reason, note: `bootstrap: ${python.distribution}'s ${project} ${choice.version} builds ${chain.join(' → ')}, which needs ${requirement}` });
      } else resolved.push({ requirement, project, version: choice.version, source: 'distribution', reason });
    }
    const key = wheels.length === 0 ? 'distribution' : cacheKey({ root: this.context.rootIdentity, layout: ENV_LAYOUT, wheels: wheels.map((w) => [w.metadata.name, w.metadata.version, w.sha256]).sort() });
    return { requirements: resolved, wheels: wheels.sort((a, b) => (a.path < b.path ? -1 : 1)), key };
  }

  /** Every version of `project` on the index that satisfies `specifier` and admits the build's Python, newest first (a pure wheel, else its sdist). */
  private async indexCandidates(project: string, specifier: string): Promise<BuildCandidate[]> {
    let page = this.pages.get(project);
    if (!page) {
      page = this.context.client.projectPage(project).catch((error: unknown) => {
        if (error instanceof Pkg2osError) return error;
        throw error;
      });
      this.pages.set(project, page);
    }
    const found = await page;
    if (found instanceof Pkg2osError) return [];
    return buildDistributions(found, { name: project, project, extras: [], specifier, text: project }, { pythonFullVersion: this.context.python.fullVersion });
  }

  private fetch(candidate: BuildCandidate, chain: readonly string[]): Promise<FetchedWheel> {
    const id = `${candidate.kind} ${candidate.file.url}`;
    let fetched = this.fetched.get(id);
    if (!fetched) {
      fetched = (async () => {
        const recipe = await this.context.recipe(candidate.project);
        return candidate.kind === 'wheel' ? this.context.fetchWheel(candidate, recipe) : this.context.buildFromSdist(candidate, [...chain, candidate.project]);
      })();
      this.fetched.set(id, fetched);
    }
    return fetched;
  }

  /** Why a requirement was satisfied from where it was, in words for the log, report.json and explain. */
  private reasonFor(project: string, choice: Choice, constraints: readonly Constraint[], policy: BuildRequirementPolicy): string {
    const spec = combined(constraints) || 'any version';
    const installed = this.context.python.distributions.get(project);
    const root = this.context.python.distribution;
    if (this.context.pins?.has(project)) return `${versionOf(choice)}, as the published build had it`;
    if (choice.source === 'bootstrap') return `${root}'s ${choice.version} breaks the cycle`;
    if (choice.source === 'distribution') return policy === 'distribution-first' ? `distribution-first: ${root}'s ${choice.version} satisfies ${spec}` : `the index has no version that satisfies ${spec} and verifies; ${root}'s ${choice.version} does`;
    const theirs = installed === undefined ? `${root} has none` : `${root} has ${installed}`;
    return policy === 'distribution-first' ? `${root}'s version does not satisfy ${spec} (${theirs}): the newest on the index that does` : `the newest on the index that satisfies ${spec}, as upstream tests with (${theirs})`;
  }

  private async conflict(error: ResolutionConflict, label: string): Promise<BuildError> {
    const installed = this.context.python.distributions.get(error.project);
    const page = await this.pages.get(error.project);
    const versions = page && !(page instanceof Pkg2osError) ? availableVersions(page, error.project) : [];
    const spec = combined(error.constraints);
    const chains = [...new Set(error.constraints.map((c) => `  ${c.chain.join(' → ')}`))];
    const distro = installed === undefined ? `${this.context.python.distribution} has no ${error.project}` : `${this.context.python.distribution} has ${error.project} ${installed}`;
    const index = page instanceof Pkg2osError ? (page.code === 'PROJECT_NOT_FOUND' ? `the index has no ${error.project}` : `its index page could not be read (${page.message})`) : versions.length ? `the index has ${error.project} ${versions.slice(0, 6).join(', ')}${versions.length > 6 ? ', …' : ''}` : `the index lists no ${error.project} files`;
    if (chains.length === 1) {
      return new BuildError('MISSING_BUILD_BACKEND', `${label} needs ${error.constraints[0]!.chain.at(-1)!.replace(/^.* requires /, '')} to build; ${distro}; ${index}${versions.length ? `, none of which satisfies it as a pure wheel or sdist` : ''}.`, {
        hint: `Publish a version of ${error.project} that satisfies it on the index (a pure wheel or an sdist), or pin an older release of the project that builds with what is there.`,
      });
    }
    return new BuildError('MISSING_BUILD_BACKEND', `${label} cannot get a ${error.project} that satisfies all its build requirements (${spec}); ${distro}; ${index}. The constraints come from:\n${chains.join('\n')}`, {
      hint: `Every combination was tried${error.backtracks ? ` (${error.backtracks} given up)` : ''}. Publish a ${error.project} that satisfies them on the index, or patch the build requirements in a recipe.`,
    });
  }
}

/** The requirement as declared: the root's text, or "dep (for parent)". */
function declared(constraints: readonly Constraint[]): string {
  const first = constraints[0]!;
  if (!first.from) return first.chain[0]!;
  return `${first.chain.at(-1)!.replace(/^.* requires /, '')} (for ${first.from})`;
}

function parseOrFail(text: string, label: string): Requirement {
  try {
    return parseRequirement(text);
  } catch (error) {
    throw new BuildError('INVALID_METADATA', `${label} declares a build requirement that does not parse: "${text}".`, { hint: 'Report it upstream; a recipe patch can fix pyproject.toml meanwhile.', cause: error });
  }
}

function cycleError(project: string, chain: readonly string[], label: string, distribution: string): BuildError {
  return new BuildError('MISSING_BUILD_BACKEND', `${label} cannot be built: its build requirements form a cycle (${[...chain, project].join(' → ')}), and ${distribution} has no ${project} to break it with.`, {
    hint: `Publish a pure wheel of one of ${[...new Set([...chain, project])].join(', ')} on the index: a wheel needs no build.`,
  });
}
