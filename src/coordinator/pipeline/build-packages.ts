/**
 * The build pipeline, as a chain of stages: discover (plan the closure per
 * target, preparing each sdist it needs: download, verify, unpack, recipe,
 * wheel) → build (a job graph that packages each planned item for its
 * target's family) → output (`<out>` gets what succeeded and report.json; a
 * run in which nothing succeeded writes nothing but logs). What a run works
 * with is made once by run-context.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { isStorageFailure, storageError } from '../../storage-errors.js';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type BuildRequest, logName } from '../../config/build-request.js';
import { recipeForFamily } from '../../config/recipes.js';
import { copyAtomic, writeAtomic } from '../../fs-atomic.js';
import { redactUrl } from '../../url-policy.js';
import { FarmError } from '../../errors.js';
import { PKG2OS_VERSION } from '../../version.js';
import type { Packaging } from '../package/package-item.js';
import { Templates } from '../../families/shared/templates.js';
import { type BuildStage, buildPlans, cachedPackage } from './build-jobs.js';
import { type Failure, toFailureReport } from './failures.js';
import { planReport } from './plan-report.js';
import type { BuildReport, PlanReport } from './report.js';
import { withRun } from './run-context.js';
import { requirePinnedWorkers } from '../farm/coordinator.js';
import { startFarm } from './farm-builds.js';

export type { BuildRequest } from '../../config/build-request.js';

/** A run's report, and its failures with their error objects (the CLI's exit code comes from them). */
export interface BuildOutcome {
  report: BuildReport;
  failures: Failure[];
  /** Set when --keep-work kept the work directory. */
  workDir?: string;
}

/** Plan only: what would be built, from which file, for which target (`--dry-run`). Nothing is built. */
export async function planPackages(request: BuildRequest): Promise<PlanReport> {
  return withRun(request, false, async (run) => planReport(request, await run.discovery.plan()));
}

/** Run the pipeline; the report lists what was built and what failed. */
export async function buildPackages(request: BuildRequest): Promise<BuildOutcome> {
  if (request.farm) await requirePinnedWorkers(request.farm);
  return withRun(request, true, async (run) => {
    const plans = await run.discovery.plan();
    const packaging: Packaging = {
      maintainer: request.maintainer,
      recipeOf: (project, family) => recipeForFamily(run.discovery.recipes.get(project) ?? {}, family),
      release: (slot, inputs) => request.releases?.releaseFor(slot, inputs, request.release) ?? request.release,
      inputs: run.inputs,
      cache: run.cache,
      staged: join(run.work, 'out'),
      policy: run.policy,
      templates: new Templates(request.templatesDir),
      logger: run.logger,
    };
    const stage: BuildStage = { wheels: run.wheels, facts: run.facts, systems: run.systems, packaging, jobs: Math.max(1, request.jobs ?? cpus().length), logName, stats: { built: 0, reused: 0 } };
    const farm = request.farm ? await startFarm(request.farm, run, plans, (item) => cachedPackage(item, stage)) : undefined;
    if (farm) stage.wheels = farm;
    const { packages, provided, failures } = await buildPlans(plans, stage).finally(() => farm?.close());
    // The farm itself failing (its queue lost, no worker) fails the run: no partial set is published.
    const farmFailure = failures.find((f) => f.error instanceof FarmError);
    if (farmFailure) throw farmFailure.error;
    const report: BuildReport = {
      pkg2os: PKG2OS_VERSION,
      indexUrl: redactUrl(request.indexUrl),
      packages,
      provided,
      failures: failures.map(toFailureReport),
      summary: { ...stage.stats, failed: failures.length, corruptCacheEntries: run.cache?.corrupt.length ?? 0, pagesNotModified: run.discovery.client.notModified },
      environment: await run.inputs.identity(),
    };
    if (packages.length > 0 || failures.length === 0) await publishOutput(packaging.staged, request.outDir, report);
    return { report, failures, ...(request.keepWork ? { workDir: run.work } : {}) };
  });
}

/**
 * Move the finished packages into `<out>` and write report.json last (temp +
 * rename). On a full or read-only file system the files this run copied are
 * removed again and report.json is not written: `<out>` is as it was.
 */
async function publishOutput(staged: string, outDir: string, report: BuildReport): Promise<void> {
  const copied: string[] = [];
  try {
    for (const format of await readdir(staged).catch(() => [] as string[])) {
      for (const file of await readdir(join(staged, format))) {
        const dest = join(outDir, format, file);
        if (!(await stat(dest).catch(() => undefined))) copied.push(dest);
        await copyAtomic(join(staged, format, file), dest);
      }
    }
    await writeAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    if (!isStorageFailure(error)) throw error;
    for (const file of copied) await rm(file, { force: true });
    const size = report.packages.flatMap((p) => p.packages).reduce((sum, f) => sum + f.size, 0);
    throw storageError(error, `the packages and report.json in ${outDir}`, undefined, size);
  }
}
