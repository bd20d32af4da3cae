/**
 * The build pipeline, as a chain of stages: discover (plan the closure per
 * target, preparing each sdist it needs: download, verify, unpack, recipe,
 * wheel) → build (a job graph that packages each planned item per format) →
 * output (`<out>` gets what succeeded and report.json; a run in which nothing
 * succeeded writes nothing but logs). This module owns the tools check, the
 * lockfile and the work directory, which is removed at the end unless
 * --keep-work.
 */
import { readdir, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BuildInputs } from '../cache/build-inputs.js';
import { ContentCache } from '../cache/content-cache.js';
import { type BuildLimits, DEFAULT_BUILD_LIMITS } from '../config/build-limits.js';
import { packageNameFor, recipeDirs } from '../config/recipes.js';
import { distributionFiles } from '../host/distribution-files.js';
import { HOST_ROOT } from '../sandbox/sandbox.js';
import { makeWorkDir } from '../sandbox/work-dir.js';
import { ConfigError } from '../errors.js';
import { requireTools } from '../exec.js';
import { copyAtomic, writeAtomic } from '../fs-atomic.js';
import { SYSTEM_PYTHON } from '../host/system-python.js';
import { IndexClient } from '../index/index-client.js';
import { redactUrl } from '../index/url-policy.js';
import { silentLogger } from '../log.js';
import { PACKAGERS } from '../package/registry.js';
import { Lockfile } from '../verify/lockfile.js';
import { TrustStore } from '../verify/trust-store.js';
import { UpstreamVerifier } from '../verify/upstream-verifier.js';
import { PKG2OS_VERSION } from '../version.js';
import { type BuildRequest, logName } from '../config/build-request.js';
import { buildPlans } from './build-jobs.js';
import { Discovery } from './discover.js';
import { buildEnvironments } from './build-environments.js';
import type { SdistCandidate } from '../index/index.types.js';
import { type Failure, toFailureReport } from './failures.js';
import { planReport } from './plan-report.js';
import type { BuildReport, PlanReport } from './report.js';

export type { BuildRequest } from '../config/build-request.js';

/** A run's report, and its failures with their error objects (the CLI's exit code comes from them). */
export interface BuildOutcome {
  report: BuildReport;
  failures: Failure[];
  /** Set when --keep-work kept the work directory. */
  workDir?: string;
}

interface Run {
  request: BuildRequest;
  work: string;
  cache?: ContentCache;
  inputs: BuildInputs;
  discovery: Discovery;
}

/** Plan only: what would be built, from which file, for which target (`--dry-run`). Nothing is built. */
export async function planPackages(request: BuildRequest): Promise<PlanReport> {
  return withRun(request, false, async (run) => planReport(request, await run.discovery.plan()));
}

/** Run the pipeline; the report lists what was built and what failed. */
export async function buildPackages(request: BuildRequest): Promise<BuildOutcome> {
  return withRun(request, true, async (run) => {
    const logger = request.logger ?? silentLogger;
    const plans = await run.discovery.plan();
    const staged = join(run.work, 'out');
    const stats = { built: 0, reused: 0 };
    const { packages, provided, failures } = await buildPlans(plans, {
      formats: request.formats,
      jobs: jobsOf(request),
      verdict: (url) => run.discovery.verdicts.get(url),
      prepare: (item) => run.discovery.prepare(item.candidate!),
      buildPlan: (item) => run.discovery.buildPlan(item.candidate!),
      logName,
      stats,
      recipeOf: (project) => run.discovery.recipes.get(project),
      root: HOST_ROOT,
      limits: limitsOf(request),
      installed: await distributionFiles('/'),
      nameOf: (project, format) => packageNameFor(project, run.discovery.recipes.get(project), format),
      maintainer: request.maintainer,
      release: (slot, inputs) => request.releases?.releaseFor(slot, inputs, request.release) ?? request.release,
      inputs: run.inputs,
      cache: run.cache,
      staged,
      logger,
    });
    const report: BuildReport = {
      pkg2os: PKG2OS_VERSION,
      indexUrl: redactUrl(request.indexUrl),
      packages,
      provided,
      failures: failures.map(toFailureReport),
      summary: { ...stats, failed: failures.length, corruptCacheEntries: run.cache?.corrupt.length ?? 0, pagesNotModified: run.discovery.client.notModified },
    };
    if (packages.length > 0 || failures.length === 0) await publishOutput(staged, request.outDir, report);
    return { report, failures, ...(request.keepWork ? { workDir: run.work } : {}) };
  });
}

function limitsOf(request: BuildRequest): BuildLimits {
  return request.limits ?? DEFAULT_BUILD_LIMITS;
}

function jobsOf(request: BuildRequest): number {
  return Math.max(1, request.jobs ?? cpus().length);
}

async function withRun<T>(request: BuildRequest, building: boolean, body: (run: Run) => Promise<T>): Promise<T> {
  await requireTools([SYSTEM_PYTHON, 'bwrap', 'prlimit', 'setpriv', 'tar', ...(building ? request.formats.map((f) => PACKAGERS[f].tool) : [])], building ? `building ${request.formats.join(' and ')} packages` : 'planning');
  const lockfile = request.lockfile ? await Lockfile.load(request.lockfile) : undefined;
  if (request.frozen && (!lockfile || !lockfile.existed)) {
    throw new ConfigError('USAGE', `--frozen needs a lockfile, and ${request.lockfile ?? 'none'} does not exist.`, { hint: 'Run once without --frozen to create pkg2os.lock, and commit it.' });
  }
  const logger = request.logger ?? silentLogger;
  const workDir = await makeWorkDir();
  const work = workDir.path;
  try {
    const cache = request.cacheDir ? new ContentCache(request.cacheDir) : undefined;
    const client = new IndexClient({ indexUrl: request.indexUrl, allowInsecure: request.allowInsecureIndex, logger, maxDownloadBytes: request.maxDownloadBytes, cache });
    const dirs = recipeDirs(request.recipeDirs);
    const lockOptions = { frozen: request.frozen ?? false, acceptNewSigner: request.acceptNewSigner ?? false };
    const verifier = new UpstreamVerifier({ client, trust: new TrustStore(request.keysDir, dirs), lockfile, policy: request.signaturePolicy, lockOptions });
    const inputs = new BuildInputs(cache);
    // Build logs go to <out>/logs; a plan-only run keeps them with its work files.
    const logFile = (c: SdistCandidate) => join(building ? request.outDir : work, logName(c.project, c.version));
    let discovery: Discovery | undefined;
    const environments = buildEnvironments({ client, verifier, recipe: (project) => discovery!.recipe(project), cache, inputs, workDir: work, root: HOST_ROOT, limits: limitsOf(request), logFile, logger });
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
      buildWheels: building,
      environments,
      root: HOST_ROOT,
      limits: limitsOf(request),
      jobs: jobsOf(request),
      logger,
    });
    const result = await body({ request, work, cache, inputs, discovery });
    if (building && lockfile && !request.frozen && (await lockfile.save())) logger.info(`recorded what was verified in ${lockfile.path}`);
    return result;
  } finally {
    if (request.keepWork) logger.info(`the work directory was kept: ${work}`);
    else await rm(work, { recursive: true, force: true });
    workDir.release();
  }
}

/** Move the finished packages into `<out>` and write report.json last (temp + rename). */
async function publishOutput(staged: string, outDir: string, report: BuildReport): Promise<void> {
  for (const format of await readdir(staged).catch(() => [] as string[])) {
    for (const file of await readdir(join(staged, format))) await copyAtomic(join(staged, format, file), join(outDir, format, file));
  }
  await writeAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
}
