/**
 * Discovery: the resolver loop. The pure resolver (src/plan) says which
 * project pages and which candidates' metadata it lacks; this fetches them —
 * a page from the index, metadata from a verdict cached for the same bytes or
 * by preparing the sdist (download, verify, unpack, recipe, requirements) —
 * and calls it again, until every target has a plan. Each sdist is prepared
 * once, whichever target asks, and the preparation is kept for the build.
 */
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { BuildInputs } from '../cache/build-inputs.js';
import type { ContentCache } from '../cache/content-cache.js';
import type { BuildLimits } from '../../config/build-limits.js';
import type { BoxPolicy } from '../../box/box.js';
import type { SandboxRoot } from '../../box/sandbox.js';
import { type LoadedRecipe, loadRecipe } from '../../config/recipes.js';
import type { TargetProfile } from '../../config/targets.js';
import type { BuildRoots } from '../../families/build-roots.js';
import { familyOf } from '../../families/registry.js';
import type { ReleaseData } from '../../families/shared/release-data.js';
import { LockfileError, Pkg2osError } from '../../errors.js';
import type { IndexClient } from '../index/index-client.js';
import type { ProjectPage, SdistCandidate } from '../../pep/index.types.js';
import type { Logger } from '../../log.js';
import type { Requirement } from '../../pep/requirement.js';
import type { ResolvedPlan } from '../plan/plan.types.js';
import { resolve } from '../plan/resolve.js';
import type { BuildPlan } from '../prepare/build-requirements.js';
import type { BuildEnvironments, PrepareGoal } from '../../build/prepare.js';
import { type Preparation, prepareFromIndex } from '../prepare/fetch-sdist.js';
import type { Lockfile } from '../verify/lockfile.js';
import type { UpstreamVerifier, Verdict } from '../verify/upstream-verifier.js';

export interface DiscoveryOptions {
  requirements: Requirement[];
  targets: TargetProfile[];
  /** The build roots of the targets, for their distribution versions. */
  roots: BuildRoots;
  /** What each target's whole release ships (its Python projects' packages among it), when it can be read. */
  releaseOf(target: TargetProfile): Promise<ReleaseData | undefined>;
  noDeps: boolean;
  pre: boolean;
  /** Under --frozen, only the files the lockfile holds are candidates. */
  frozen?: Lockfile;
  recipeDirs: string[];
  client: IndexClient;
  verifier: UpstreamVerifier;
  inputs: BuildInputs;
  cache?: ContentCache;
  /** Where each project's work directory goes. */
  workDir: string;
  /** Where a project's build log goes. */
  logFile(candidate: SdistCandidate): string;
  /** How far each sdist is prepared: its wheel (packages will be built here), its build plan (a build-farm coordinator ships it), or its metadata. */
  goal: PrepareGoal;
  /** Whether a project (by its recipe) is built on the host's root for some target: else discovery stops at its plan. */
  wheelOnHost?: (recipe: LoadedRecipe) => boolean;
  /** The root a project's metadata is prepared in (by its recipe: its build-depends), what contains builds, and their limits. */
  rootFor(recipe: LoadedRecipe): Promise<SandboxRoot>;
  policy: BoxPolicy;
  limits: BuildLimits;
  /** Build requirements resolved for a build root (memoized per root by the caller). */
  environmentsFor(root: SandboxRoot): BuildEnvironments<BuildPlan>;
  jobs: number;
  logger: Logger;
}

/** What the verdict cache holds for an sdist: the verdict, its Requires-Dist and its build requirements. */
interface CachedMetadata extends Verdict {
  requiresDist: string[];
  buildRequires: string[];
  /** Whether its wheel holds compiled code (so its packages depend on the build root too). */
  compiled?: boolean;
}

export class Discovery {
  readonly recipes = new Map<string, LoadedRecipe>();
  private readonly pages = new Map<string, ProjectPage>();
  private readonly failedPages = new Map<string, Pkg2osError>();
  private readonly metadata = new Map<string, string[] | Pkg2osError>();
  /** Each target's distribution versions of the packages recipes map projects to. */
  private readonly distribution = new Map<string, Map<string, string | null>>();
  private readonly preparations = new Map<string, Promise<Preparation>>();
  /** Build requirements of sdists whose metadata came from the cache, by URL. */
  private readonly cachedBuildRequires = new Map<string, string[]>();
  /** Whether the wheel of an sdist (by URL) holds compiled code, where a wheel was built or its metadata cached. */
  readonly compiled = new Map<string, boolean>();
  /** What was verified about each sdist, by URL: in this run, or before (cache). */
  readonly verdicts = new Map<string, Verdict>();
  private readonly queue: PQueue;
  metadataReused = 0;

  constructor(private readonly options: DiscoveryOptions) {
    this.queue = new PQueue({ concurrency: options.jobs });
  }

  get client(): IndexClient {
    return this.options.client;
  }

  async recipe(project: string): Promise<LoadedRecipe> {
    let recipe = this.recipes.get(project);
    if (!recipe) {
      recipe = await loadRecipe(project, this.options.recipeDirs);
      this.recipes.set(project, recipe);
    }
    return recipe;
  }

  /** Plan each target: call the pure resolver, fetch what it asks for, until it has a plan. */
  async plan(): Promise<ResolvedPlan[]> {
    const o = this.options;
    for (const req of o.requirements) await this.recipe(req.project);
    const plans: ResolvedPlan[] = [];
    for (const target of o.targets) {
      const versions = new Map<string, string | null>();
      this.distribution.set(target.name, versions);
      const release = await o.releaseOf(target);
      const dists = Object.entries(release?.pythonDists ?? {});
      const distributionNames = new Map(dists.map(([project, d]) => [project, d.package]));
      const releaseVersions = new Map(dists.filter(([, d]) => d.version).map(([, d]) => [d.package, d.version!]));
      for (;;) {
        const result = await resolve({ roots: o.requirements, target, pages: this.pages, failedPages: this.failedPages, metadata: this.metadata, recipes: this.recipes, distributionVersions: versions, distributionNames, noDeps: o.noDeps, pre: o.pre });
        if (result.kind === 'plan') {
          // Every dependency's recipe names its package (provided-by, name:), also of those never resolved (--no-deps).
          const unread = [...new Set(result.items.flatMap((item) => item.dependencies.map((d) => d.project)))].filter((project) => !this.recipes.has(project));
          if (unread.length) {
            for (const project of unread) await this.recipe(project);
            continue;
          }
          plans.push(result);
          break;
        }
        if (result.distributionPackages.length) {
          const root = await o.roots.rootFor(target);
          const found = root ? await familyOf(target).distributionVersions(result.distributionPackages, root) : new Map<string, string | null>();
          // The root's apt or rpm knows the version it would install; else the release's own Packages or metadata.
          for (const pkg of result.distributionPackages) versions.set(pkg, found.get(pkg) ?? releaseVersions.get(pkg) ?? null);
        }
        await Promise.all(result.pages.map((project) => this.fetchPage(project)));
        await Promise.all(result.metadata.map((candidate) => this.queue.add(() => this.discover(candidate))));
      }
    }
    return plans;
  }

  /** The preparation of a candidate: the one discovery made, or a new one (its metadata came from the cache). */
  prepare(candidate: SdistCandidate): Promise<Preparation> {
    let prepared = this.preparations.get(candidate.file.url);
    if (!prepared) {
      prepared = this.doPrepare(candidate);
      this.preparations.set(candidate.file.url, prepared);
    }
    return prepared;
  }

  private async fetchPage(project: string): Promise<void> {
    await this.recipe(project);
    try {
      let page = await this.options.client.projectPage(project);
      this.options.logger.debug(`${project}: ${page.files.length} file(s) on the index (${page.format})`);
      if (this.options.frozen) page = lockedOnly(page, this.options.frozen);
      this.pages.set(project, page);
    } catch (error) {
      if (!(error instanceof Pkg2osError)) throw error;
      // A root that cannot be found ends the run; a dependency fails its dependents.
      if (this.options.requirements.some((r) => r.project === project)) throw error;
      this.failedPages.set(project, error);
    }
  }

  /** Requirements of a candidate, from a cached verdict for the same bytes or by preparing it; failures are recorded, not thrown. */
  private async discover(candidate: SdistCandidate): Promise<void> {
    try {
      if (await this.fromCache(candidate)) return;
      this.metadata.set(candidate.file.url, (await this.prepare(candidate)).requiresDist);
    } catch (error) {
      if (!(error instanceof Pkg2osError)) throw error;
      const label = `${candidate.project} ${candidate.version}`;
      this.options.logger.debug(`${label}: ${error.message}`);
      this.options.logger.progress?.file(label, 'failed');
      this.options.logger.progress?.end(label);
      this.metadata.set(candidate.file.url, error);
    }
  }

  private async metadataKey(candidate: SdistCandidate, sha256: string): Promise<string> {
    const recipe = await this.recipe(candidate.project);
    return this.options.inputs.metadataKey(sha256, recipe, await this.options.verifier.trustKey(candidate.project, recipe));
  }

  /** A candidate verified and read before needs neither a download nor Python. */
  private async fromCache(candidate: SdistCandidate): Promise<boolean> {
    const sha256 = candidate.file.hashes.sha256;
    if (!this.options.cache || !sha256) return false;
    const hit = await this.options.cache.get<CachedMetadata>('metadata', await this.metadataKey(candidate, sha256));
    if (!hit || !Array.isArray(hit.meta.buildRequires)) return false;
    const verdict = await this.options.verifier.fromCache(candidate, hit.meta, await this.recipe(candidate.project));
    if (!verdict) return false;
    this.verdicts.set(candidate.file.url, verdict);
    this.metadata.set(candidate.file.url, hit.meta.requiresDist);
    this.cachedBuildRequires.set(candidate.file.url, hit.meta.buildRequires);
    if (hit.meta.compiled !== undefined) this.compiled.set(candidate.file.url, hit.meta.compiled);
    this.metadataReused++;
    this.options.logger.debug(`${candidate.project} ${candidate.version}: verified and read before (cache)`);
    return true;
  }

  /**
   * The same sdist prepared in another build root: compiled code for a target
   * whose Python is not the host's is built in that target's own root.
   */
  prepareIn(candidate: SdistCandidate, root: SandboxRoot, tag: string): Promise<Preparation> {
    const key = `${candidate.file.url}\u0000${tag}`;
    let prepared = this.preparations.get(key);
    if (!prepared) {
      prepared = this.prepareWith(candidate, root, `@${tag}`);
      this.preparations.set(key, prepared);
    }
    return prepared;
  }

  private async prepareWith(candidate: SdistCandidate, root: SandboxRoot, suffix: string): Promise<Preparation> {
    const recipe = await this.recipe(candidate.project);
    // On the host's root while discovering: its wheel only if some target builds it there.
    const goal = suffix === '' && this.options.goal === 'wheel' && this.options.wheelOnHost && !this.options.wheelOnHost(recipe) ? 'plan' : this.options.goal;
    return prepareFromIndex(candidate, {
      client: this.options.client,
      verifier: this.options.verifier,
      recipe,
      dir: join(this.options.workDir, 'projects', `${candidate.project}-${candidate.version}${suffix}`),
      logFile: this.options.logFile(candidate),
      goal,
      root,
      policy: this.options.policy,
      limits: this.options.limits,
      environments: this.options.environmentsFor(root),
      logger: this.options.logger,
    });
  }

  private async doPrepare(candidate: SdistCandidate): Promise<Preparation> {
    const prepared = await this.prepareWith(candidate, await this.options.rootFor(await this.recipe(candidate.project)), '');
    const { artifact } = prepared;
    const verdict: Verdict = { sha256: artifact.sha256, size: artifact.size, checks: [...artifact.checks] };
    this.verdicts.set(candidate.file.url, verdict);
    const compiled = prepared.state === 'built' ? !prepared.wheel.pure : undefined;
    if (compiled !== undefined) this.compiled.set(candidate.file.url, compiled);
    // A failed wheel is tried again next time: only what succeeded is remembered.
    if (this.options.cache && prepared.state !== 'failed') await this.options.cache.put<CachedMetadata>('metadata', await this.metadataKey(candidate, artifact.sha256), { ...verdict, requiresDist: prepared.requiresDist, buildRequires: prepared.buildRequires, compiled });
    return prepared;
  }

  /** The build plan of a candidate: the one its preparation made, or one resolved from the build requirements cached with its metadata. */
  async buildPlan(candidate: SdistCandidate): Promise<BuildPlan | undefined> {
    const prepared = this.preparations.get(candidate.file.url);
    if (prepared) return (await prepared).build;
    const requires = this.cachedBuildRequires.get(candidate.file.url);
    return requires ? this.options.environmentsFor(await this.options.rootFor(await this.recipe(candidate.project))).plan(requires, [candidate.project], `${candidate.project} ${candidate.version}`) : undefined;
  }
}

/** Under --frozen, only the files the lockfile holds are candidates. */
function lockedOnly(page: ProjectPage, lockfile: Lockfile): ProjectPage {
  const locked = new Set(lockfile.entries(page.project).map((e) => e.filename));
  if (locked.size === 0) {
    throw new LockfileError('NOT_IN_LOCKFILE', `${page.project} is not in ${lockfile.path}, and --frozen builds only what the lockfile holds.`, {
      hint: 'Run once without --frozen to lock it, and review the lockfile diff.',
    });
  }
  return { ...page, files: page.files.filter((f) => locked.has(f.filename)) };
}
