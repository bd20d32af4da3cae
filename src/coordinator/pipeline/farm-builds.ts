/**
 * Building through the build farm (`--queue`): every planned sdist is
 * verified and prepared here, in the trusted zone, as a plan-only run does
 * (its build requirements resolved and verified), its inputs put into the
 * artifact store by digest, and its wheel built by a worker of its target.
 * What comes back is untrusted until checked like a local build's: the
 * wheel's digest against the store, then the same validation; staging,
 * packaging, signing and publishing stay here. An item whose packages the
 * cache already holds gets no job (a nightly through the farm rebuilds only
 * what changed); should its cache entry turn out bad when it is packaged,
 * its job is submitted then.
 */
import { appendFile, readFile, rm } from 'node:fs/promises';
import { machine } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Pkg2osError } from '../../errors.js';
import { type FarmItem, FarmCoordinator, type FarmSettings } from '../farm/coordinator.js';
import type { BuildJob } from '../../farm/jobs.js';
import { onStop } from '../../host/cleanup.js';
import type { BuildItem, ItemId, ResolvedPlan } from '../plan/plan.types.js';
import type { Preparation } from '../prepare/fetch-sdist.js';
import { validateWheel } from '../../build/validate-wheel.js';
import type { WheelSource } from './build-jobs.js';
import type { BuiltBy } from './report.js';
import type { Run } from './run-context.js';
import { TargetRoots } from './target-roots.js';

export interface FarmBuilds extends WheelSource {
  close(): Promise<void>;
}

export async function startFarm(settings: FarmSettings, run: Run, plans: readonly ResolvedPlan[], cached: (item: BuildItem) => Promise<boolean>): Promise<FarmBuilds> {
  const { logger } = run;
  const planned = plans.flatMap((p) => p.items).filter((i): i is BuildItem => i.kind === 'build');
  const items: BuildItem[] = [];
  for (const item of planned) if (!(await cached(item))) items.push(item);
  if (items.length < planned.length) logger.info(`build farm: ${planned.length - items.length} of ${planned.length} project(s) have every package in the cache and need no build`);
  const coordinator = await FarmCoordinator.open(settings, logger);
  const stop = onStop(() => coordinator.cancel());
  const prepared = new Map<ItemId, Promise<Preparation>>();
  const prepare = (item: BuildItem) => {
    const preparing = run.discovery.prepare(item.candidate);
    prepared.set(item.id, preparing);
    return preparing.catch(() => undefined);
  };
  const submitted: FarmItem[] = [];
  for (const item of items) {
    const ready = await prepare(item);
    if (ready) submitted.push({ key: item.id, job: await jobOf(item, ready, coordinator), dependencies: item.dependencies.map((d) => `${item.target.name}/${d.project}`) });
  }
  const keys = new Set<string>(submitted.map((s) => s.key));
  for (const s of submitted) s.dependencies = s.dependencies.filter((d) => keys.has(d));
  if (submitted.length) await coordinator.submit(submitted);
  const workers = new Map<ItemId, BuiltBy[]>();
  return {
    async wheel(item) {
      if (!prepared.has(item.id)) {
        // Its cached packages were not usable after all: build it now, alone.
        const ready = await prepare(item);
        if (ready) await coordinator.submit([{ key: item.id, job: await jobOf(item, ready, coordinator), dependencies: [] }]);
      }
      const base = await prepared.get(item.id)!;
      const label = `${item.candidate.project} ${item.candidate.version}`;
      try {
        const result = await coordinator.result(item.id);
        workers.set(item.id, result.workers);
        for (const log of result.logs) await appendLog(coordinator, log.sha256, base.logFile, log.worker, item.target.name);
        // One directory per target: the same sdist's wheels for two targets arrive at the same time.
        const path = join(base.dir, 'farm-wheel', item.target.name, result.wheel.filename);
        await coordinator.store.get(result.wheel.sha256, path);
        return { ...base, state: 'built', build: base.build!, wheel: await validateWheel(path, item.candidate, run.limits.wheel, label) };
      } catch (error) {
        const log = error instanceof Pkg2osError ? (error as { logSha256?: string }).logSha256 : undefined;
        if (log) await appendLog(coordinator, log, base.logFile, 'the worker', item.target.name).catch(() => undefined);
        throw error instanceof Pkg2osError ? error : new Error(String(error));
      }
    },
    builtBy: (item) => workers.get(item.id),
    async close() {
      stop.release();
      await coordinator.close();
    },
  };
}

async function jobOf(item: BuildItem, prepared: Preparation, coordinator: FarmCoordinator): Promise<BuildJob> {
  const store = coordinator.store;
  const recipe = item.recipe;
  const patches = [];
  for (const patch of recipe.patches ?? []) {
    const path = join(dirname(recipe.file ?? '.'), patch);
    patches.push({ filename: basename(patch), sha256: await store.put(path) });
  }
  const wheels = [];
  for (const w of prepared.build?.wheels ?? []) wheels.push({ filename: basename(w.path), sha256: await store.put(w.path), project: w.metadata.name, version: w.metadata.version });
  return {
    run: coordinator.run,
    target: item.target.name,
    arch: machine(),
    project: item.candidate.project,
    version: item.candidate.version,
    sdist: { filename: item.candidate.file.filename, sha256: await store.put(prepared.artifact.path) },
    recipe: {
      ...(recipe.env ? { env: recipe.env } : {}),
      ...(recipe['build-timeout'] ? { buildTimeout: recipe['build-timeout'] } : {}),
      ...(patches.length ? { patches } : {}),
      ...(TargetRoots.buildDepends(recipe, item.target).length ? { buildDepends: TargetRoots.buildDepends(recipe, item.target) } : {}),
      ...(recipe['optional-extension'] ? { optionalExtension: true } : {}),
    },
    environment: { key: prepared.build?.key ?? 'distribution', wheels },
  };
}

async function appendLog(coordinator: FarmCoordinator, sha256: string, logFile: string, worker: string, target: string): Promise<void> {
  // A copy per target: the same sdist's builds for two targets come back at the same time.
  const copy = `${logFile}.${target}.worker`;
  try {
    await coordinator.store.get(sha256, copy);
    await appendFile(logFile, `\n=== the build for ${target} on ${worker} ===\n${await readFile(copy, 'utf8')}`);
  } finally {
    await rm(copy, { force: true });
  }
}
