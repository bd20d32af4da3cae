/**
 * What one run of the pipeline works with, made once: the tools check, the
 * lockfile, the work directory (removed at the end unless --keep-work), the
 * cache, the index client, the verifier, the build inputs, the targets'
 * build roots, build requirements per root, and discovery.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildInputs } from '../cache/build-inputs.js';
import { ContentCache } from '../cache/content-cache.js';
import { type BuildLimits, DEFAULT_BUILD_LIMITS } from '../config/build-limits.js';
import { type BuildRequest, logName } from '../config/build-request.js';
import { recipeDirs } from '../config/recipes.js';
import type { TargetProfile } from '../config/targets.js';
import { ConfigError } from '../errors.js';
import { requireTools } from '../exec.js';
import { SYSTEM_PYTHON } from '../host/system-python.js';
import { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import { type Logger, silentLogger } from '../log.js';
import { PACKAGERS } from '../package/registry.js';
import type { PlanItem } from '../plan/plan.types.js';
import { BuildRoots } from '../sandbox/build-roots.js';
import { rootPython } from '../sandbox/root-python.js';
import { HOST_ROOT, type SandboxRoot } from '../sandbox/sandbox.js';
import { makeWorkDir } from '../sandbox/work-dir.js';
import type { BuildEnvironments, PreparedSdist } from '../sdist/prepare.js';
import { Lockfile } from '../verify/lockfile.js';
import { TrustStore } from '../verify/trust-store.js';
import { UpstreamVerifier } from '../verify/upstream-verifier.js';
import type { ValidatedWheel } from '../wheel/validate-wheel.js';
import { buildEnvironments } from './build-environments.js';
import { Discovery } from './discover.js';

export interface Run {
  request: BuildRequest;
  logger: Logger;
  work: string;
  cache?: ContentCache;
  inputs: BuildInputs;
  limits: BuildLimits;
  roots: BuildRoots;
  discovery: Discovery;
  /** The preparation an item's package is made from: the host's, or one in the target's own root for compiled code. */
  prepareFor(item: PlanItem): Promise<PreparedSdist>;
  /** Where an item's wheel is staged, and that root's Python ("X.Y"). */
  stagingRoot(target: TargetProfile, wheel: ValidatedWheel): Promise<{ root: SandboxRoot; python: string }>;
}

export async function withRun<T>(request: BuildRequest, building: boolean, body: (run: Run) => Promise<T>): Promise<T> {
  await requireTools([SYSTEM_PYTHON, 'bwrap', 'prlimit', 'setpriv', 'tar', ...(building ? request.formats.map((f) => PACKAGERS[f].tool) : [])], building ? `building ${request.formats.join(' and ')} packages` : 'planning');
  const lockfile = request.lockfile ? await Lockfile.load(request.lockfile) : undefined;
  if (request.frozen && (!lockfile || !lockfile.existed)) {
    throw new ConfigError('USAGE', `--frozen needs a lockfile, and ${request.lockfile ?? 'none'} does not exist.`, { hint: 'Run once without --frozen to create pkg2os.lock, and commit it.' });
  }
  const logger = request.logger ?? silentLogger;
  const workDir = await makeWorkDir();
  const work = workDir.path;
  try {
    const limits = request.limits ?? DEFAULT_BUILD_LIMITS;
    const cache = request.cacheDir ? new ContentCache(request.cacheDir) : undefined;
    const client = new IndexClient({ indexUrl: request.indexUrl, allowInsecure: request.allowInsecureIndex, logger, maxDownloadBytes: request.maxDownloadBytes, cache });
    const dirs = recipeDirs(request.recipeDirs);
    const lockOptions = { frozen: request.frozen ?? false, acceptNewSigner: request.acceptNewSigner ?? false, acceptNewPublisher: request.acceptNewPublisher ?? false };
    const verifier = new UpstreamVerifier({ client, trust: new TrustStore(request.keysDir, dirs), lockfile, policy: request.signaturePolicy, provenancePolicy: request.provenancePolicy, lockOptions });
    const inputs = new BuildInputs(cache);
    const roots = new BuildRoots({ dir: request.cacheDir ?? work, settings: request.roots, logger });
    // Build logs go to <out>/logs; a plan-only run keeps them with its work files.
    const logFile = (c: SdistCandidate) => join(building ? request.outDir : work, logName(c.project, c.version));
    const perRoot = new Map<string, BuildEnvironments>();
    let discovery: Discovery | undefined;
    const environmentsFor = (root: SandboxRoot) => {
      const id = root.kind === 'host' ? '/' : root.path;
      if (!perRoot.has(id)) perRoot.set(id, buildEnvironments({ client, verifier, recipe: (project) => discovery!.recipe(project), cache, inputs, workDir: work, root, limits, logFile, logger }));
      return perRoot.get(id)!;
    };
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
      buildWheels: building && !request.farm,
      buildPlans: building && Boolean(request.farm),
      environmentsFor,
      roots,
      root: HOST_ROOT,
      limits,
      jobs: Math.max(1, request.jobs ?? (await import('node:os')).cpus().length),
      logger,
    });
    const warned = new Set<string>();
    const run: Run = {
      request,
      logger,
      work,
      cache,
      inputs,
      limits,
      roots,
      discovery,
      async prepareFor(item) {
        const prepared = await discovery!.prepare(item.candidate!);
        if (!prepared.wheel || prepared.wheel.pure || prepared.wheelError) return prepared;
        const root = await roots.rootFor(item.target);
        return root && root.kind === 'dir' ? discovery!.prepareIn(item.candidate!, root, item.target.name) : prepared;
      },
      async stagingRoot(target, wheel) {
        const root = await roots.rootFor(target);
        // Compiled code stages with the Python it was built for; RPM layouts are byte-compiled by the target's Python.
        const chosen = root && (!wheel.pure || target.family === 'rpm') ? root : HOST_ROOT;
        if (!root && target.family === 'rpm' && !warned.has(target.name)) {
          warned.add(target.name);
          logger.warn(`${target.name} has no build root here, so its RPMs carry no bytecode (Python ${target.pythonVersion} compiles the modules when first imported). Give one with roots: {${target.name}: {path: DIR}} in pkg2os.config.yaml for byte-compiled packages and for compiled code.`);
        }
        return { root: chosen, python: (await rootPython(chosen, work, limits.sandbox)).version };
      },
    };
    const result = await body(run);
    if (building && lockfile && !request.frozen && (await lockfile.save())) logger.info(`recorded what was verified in ${lockfile.path}`);
    return result;
  } finally {
    if (request.keepWork) logger.info(`the work directory was kept: ${work}`);
    else await rm(work, { recursive: true, force: true });
    workDir.release();
  }
}
