/**
 * What one run of the pipeline works with, made once: the tools check, the
 * lockfile, the work directory (removed at the end unless --keep-work), the
 * cache, the index client, the verifier, the build inputs, the targets'
 * build roots, the box policy (limits, log caps, hidden places), build
 * requirements per root, and discovery — and the services the build stage
 * works through (where wheels come from, what discovery learned, the target
 * systems).
 */
import { join } from 'node:path';
import type { BoxPolicy } from '../../box/box.js';
import { BuildInputs } from '../cache/build-inputs.js';
import { ContentCache } from '../cache/content-cache.js';
import { systemClock } from '../../clock.js';
import { type BuildLimits, DEFAULT_BUILD_LIMITS } from '../../config/build-limits.js';
import { type BuildRequest, logName } from '../../config/build-request.js';
import { type LoadedRecipe, recipeDirs } from '../../config/recipes.js';
import { ConfigError, IndexError, Pkg2osError } from '../../errors.js';
import { requireTools } from '../../exec.js';
import { SYSTEM_PYTHON } from '../../host/system-python.js';
import { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import { type Logger, silentLogger } from '../../log.js';
import { BuildRoots } from '../../families/build-roots.js';
import { familyOf, familyOfRoot } from '../../families/registry.js';
import { rootPython } from '../../box/root-python.js';
import { HOST_ROOT, type SandboxRoot } from '../../box/sandbox.js';
import { makeWorkDir, removeTree } from '../../box/work-dir.js';
import type { BuildEnvironments } from '../../build/prepare.js';
import type { TargetSystems } from '../package/package-item.js';
import type { TargetProfile } from '../../config/targets.js';
import { defaultStateDir } from '../../config/default-dirs.js';
import type { ReleaseData } from '../../families/shared/release-data.js';
import type { BuildItem } from '../plan/plan.types.js';
import type { BuildPlan } from '../prepare/build-requirements.js';
import type { PreparedWheel } from '../prepare/fetch-sdist.js';
import { Lockfile } from '../verify/lockfile.js';
import { TrustStore } from '../verify/trust-store.js';
import { UpstreamVerifier } from '../verify/upstream-verifier.js';
import { buildEnvironments } from './build-environments.js';
import type { SdistFacts, WheelSource } from './build-jobs.js';
import { Discovery } from './discover.js';
import { TargetRoots } from './target-roots.js';

export interface Run {
  request: BuildRequest;
  logger: Logger;
  work: string;
  cache?: ContentCache;
  inputs: BuildInputs;
  limits: BuildLimits;
  /** What contains every box of this run. */
  policy: BoxPolicy;
  roots: BuildRoots;
  discovery: Discovery;
  /** Wheels built here: on the host's root, in the target's own root for compiled code. */
  wheels: WheelSource;
  facts: SdistFacts;
  systems: TargetSystems;
}

export async function withRun<T>(request: BuildRequest, building: boolean, body: (run: Run) => Promise<T>): Promise<T> {
  await requireTools([SYSTEM_PYTHON, 'bwrap', 'prlimit', 'setpriv', 'tar', ...(building ? ['patchelf', 'readelf', ...request.targets.map((t) => familyOf(t).packagingTool)] : [])], building ? `building ${request.formats.join(' and ')} packages` : 'planning');
  const lockfile = request.lockfile ? await Lockfile.load(request.lockfile) : undefined;
  if (request.frozen && (!lockfile || !lockfile.existed)) {
    throw new ConfigError('USAGE', `--frozen needs a lockfile, and ${request.lockfile ?? 'none'} does not exist.`, { hint: 'Run once without --frozen to create pkg2os.lock, and commit it.' });
  }
  const logger = request.logger ?? silentLogger;
  const workDir = await makeWorkDir();
  const work = workDir.path;
  try {
    const limits = request.limits ?? DEFAULT_BUILD_LIMITS;
    const policy: BoxPolicy = { limits: limits.sandbox, logCapBytes: limits.logCapBytes, hidden: request.hidden ?? [] };
    const cache = request.cacheDir ? new ContentCache(request.cacheDir, systemClock, (message) => logger.warn(message)) : undefined;
    const client = new IndexClient({ indexUrl: request.indexUrl, allowInsecure: request.allowInsecureIndex, logger, maxDownloadBytes: request.maxDownloadBytes, maxPageBytes: request.index?.maxPageBytes, http: request.index, cache });
    const dirs = recipeDirs(request.recipeDirs);
    const lockOptions = { frozen: request.frozen ?? false, acceptNewSigner: request.acceptNewSigner ?? false, acceptNewPublisher: request.acceptNewPublisher ?? false };
    const verifier = new UpstreamVerifier({ client, trust: new TrustStore(request.keysDir, dirs), lockfile, policy: request.signaturePolicy, provenancePolicy: request.provenancePolicy, lockOptions });
    const inputs = new BuildInputs(cache, request.templatesDir);
    const roots = new BuildRoots({ dir: request.cacheDir ?? work, settings: request.roots, logger });
    const targetRoots = new TargetRoots(roots, request.hostPython ?? [], logger);
    // A target without a root stops the run before any work (the farm's workers have their own roots).
    if (building && !request.farm) await targetRoots.check(request.targets);
    // Build logs go to <out>/logs; a plan-only run keeps them with its work files.
    const logFile = (c: SdistCandidate) => join(building ? request.outDir : work, logName(c.project, c.version));
    const perRoot = new Map<string, BuildEnvironments<BuildPlan>>();
    let discovery: Discovery | undefined;
    const environmentsFor = (root: SandboxRoot) => {
      const id = root.kind === 'host' ? '/' : root.path;
      if (!perRoot.has(id)) perRoot.set(id, buildEnvironments({ client, verifier, recipe: (project) => discovery!.recipe(project), cache, inputs, workDir: work, root, policy, limits, logFile, logger, pins: request.buildPins, requirementPolicy: request.buildRequirements }));
      return perRoot.get(id)!;
    };
    const releaseOf = releases(request, logger);
    // Metadata is prepared where a target builds: on the host's root when one does and the recipe installs nothing, else in
    // the first target's own, with what the recipe installs there (its Python, build tools and build-depends, a Cython
    // among them, decide what the distribution satisfies).
    const first = request.targets[0];
    const inTarget = (recipe: LoadedRecipe): boolean =>
      building && !request.farm && first !== undefined && (!request.targets.some((t) => targetRoots.onHost(t)) || TargetRoots.buildDepends(recipe, first).length > 0);
    discovery = new Discovery({
      ...request,
      noDeps: request.noDeps ?? false,
      frozen: request.frozen ? lockfile : undefined,
      recipeDirs: dirs,
      client,
      verifier,
      inputs,
      cache,
      workDir: work,
      logFile,
      // Through the build farm, the wheels are the workers' to build; here only what they need is resolved.
      goal: !building ? 'metadata' : request.farm ? 'plan' : 'wheel',
      // A wheel is made while discovering only where it is built on the host's root; elsewhere in its target's.
      wheelOnHost: (recipe) => targetRoots.buildsOnHost(recipe, request.targets),
      environmentsFor,
      roots,
      releaseOf,
      rootFor: async (recipe) => (inTarget(recipe) ? targetRoots.rootFor(first!, recipe) : HOST_ROOT),
      policy,
      limits,
      jobs: Math.max(1, request.jobs ?? (await import('node:os')).cpus().length),
      logger,
    });
    const found = discovery;
    const warned = new Set<string>();
    const wheels: WheelSource = {
      async wheel(item) {
        // Every target's wheel in its own root (pure code too), with what the recipe asks installed there.
        const root = await targetRoots.rootFor(item.target, item.recipe);
        if (root.kind === 'host') {
          // Discovery made the wheel on the host's root where it knew it would be built there; else it is made now.
          const prepared = await found.prepare(item.candidate);
          return built(prepared.state === 'metadata' ? await found.prepareIn(item.candidate, root, 'host') : prepared, item);
        }
        const extra = TargetRoots.buildDepends(item.recipe, item.target);
        return built(await found.prepareIn(item.candidate, root, [item.target.name, ...extra].join('+')), item);
      },
      builtBy: () => undefined,
    };
    const systems: TargetSystems = {
      async stagingRoot(target, wheel) {
        const root = await roots.rootFor(target);
        const family = familyOf(target);
        // Compiled code stages with the Python it was built for; a layout byte-compiled at build time, with the target's Python.
        const chosen = root && (!wheel.pure || family.installLayout(target, '').byteCompileAtBuild) ? root : HOST_ROOT;
        if (!root && family.installLayout(target, '').byteCompileAtBuild && !warned.has(target.name)) {
          warned.add(target.name);
          logger.warn(`${target.name} has no build root here, so its ${family.format} packages carry no bytecode (Python ${target.pythonVersion} compiles the modules when first imported). Give one with roots: {${target.name}: {path: DIR}} in pkg2os.config.yaml for byte-compiled packages and for compiled code.`);
        }
        return { root: chosen, python: (await rootPython(chosen, work, policy)).version };
      },
      async installed(target) {
        const root = await roots.rootFor(target);
        if (root) return familyOf(target).installedFiles(root.kind === 'host' ? '/' : root.path, "the target's package");
        // No root of the target to ask: this host's installed files stand in (refusing too much rather than too little).
        return (await familyOfRoot('/'))?.installedFiles('/', `this host's package (standing in for ${target.distribution}'s, which pkg2os has no root of)`);
      },
      rootIdentity: (target) => roots.identity(target),
      release: releaseOf,
    };
    const facts: SdistFacts = {
      verdict: (item) => found.verdicts.get(item.candidate.file.url),
      buildPlan: (item) => found.buildPlan(item.candidate),
      compiled: (item) => found.compiled.get(item.candidate.file.url) ?? false,
    };
    const run: Run = { request, logger, work, cache, inputs, limits, policy, roots, discovery, wheels, facts, systems };
    const result = await body(run);
    if (building && lockfile && !request.frozen && (await lockfile.save())) logger.info(`recorded what was verified in ${lockfile.path}`);
    return result;
  } finally {
    if (request.keepWork) logger.info(`the work directory was kept: ${work}`);
    else await removeTree(work);
    workDir.release();
  }
}

/** A preparation as the build stage takes it: its wheel, or the failure of its wheel. */
export async function built(prepared: Awaited<ReturnType<Discovery['prepare']>>, item: BuildItem): Promise<PreparedWheel> {
  if (prepared.state === 'built') return prepared;
  if (prepared.state === 'failed') throw prepared.error;
  throw new Error(`${item.candidate.project} ${item.candidate.version} was prepared without its wheel`);
}

/**
 * What each target's whole release ships, read once per run (and kept between
 * runs in the state directory). A release pkg2os cannot read fails the run
 * under `release-check: required`; else its packages are checked against what
 * pkg2os knows (its root's package database, its list of names), with a
 * warning that says so.
 */
function releases(request: BuildRequest, logger: Logger): (target: TargetProfile) => Promise<ReleaseData | undefined> {
  const memo = new Map<string, Promise<ReleaseData | undefined>>();
  const stateDir = request.stateDir ?? defaultStateDir();
  return (target) => {
    let found = memo.get(target.name);
    if (!found) {
      const family = familyOf(target);
      found = family.releaseData(target, request.roots?.[target.name], stateDir).then(
        (data) => {
          for (const missing of data?.missing ?? []) logger.warn(`${target.name}: part of its release could not be read, and what it lists is not checked against: ${missing}`);
          if (data) logger.debug(`${target.name}: names and files are checked against ${data.source}`);
          else unreadable(target, `pkg2os has no source for ${target.distribution}'s whole release (${family.rootHint(target)})`);
          return data;
        },
        (error: unknown) => {
          if (!(error instanceof Pkg2osError)) throw error;
          unreadable(target, error.message);
          return undefined;
        },
      );
      memo.set(target.name, found);
    }
    return found;
  };

  function unreadable(target: TargetProfile, why: string): void {
    if (request.releaseCheck === 'required') {
      throw new IndexError('INDEX_UNREACHABLE', `The whole release of ${target.name} cannot be read, and release-check is required: ${why}`, {
        hint: 'Make its archive or repositories reachable (roots: in pkg2os.config.yaml), or set release-check: if-available to check against what pkg2os knows.',
      });
    }
    logger.warn(`${target.name}: package names, Python names and programs are checked against what pkg2os knows (its list of names, the build root's installed packages), not against the whole release: ${why}`);
  }
}
