/**
 * The build stage: one job per planned item, run in dependency order by the
 * job graph, each packaging its project for its target's family (a project
 * the distribution provides has no job of its own). A failed job fails its
 * dependents with the cause; unrelated jobs still build. It works through
 * four services: where wheels come from (here or the farm), what discovery
 * learned of each sdist, the target systems, and how packages are made.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Pkg2osError } from '../../errors.js';
import { familyOf } from '../../families/registry.js';
import { redactUrl } from '../../url-policy.js';
import { type ItemInputs, type Packaging, type TargetSystems, packageCached, packageItem } from '../package/package-item.js';
import type { BuildItem, ItemId, PlanItem, ResolvedPlan } from '../plan/plan.types.js';
import type { BuildPlan } from '../prepare/build-requirements.js';
import type { PreparedWheel } from '../prepare/fetch-sdist.js';
import type { Verdict } from '../verify/upstream-verifier.js';
import type { Failure } from './failures.js';
import type { BuiltBy, PackageReport, ProvidedReport } from './report.js';
import { runGraph } from './schedule.js';
import { sha256Hex } from '../../digest.js';
import type { LoadedRecipe } from '../../config/recipes.js';

/** Where an item's wheel comes from: built here (in the target's root for compiled code), or by a build-farm worker. */
export interface WheelSource {
  /** The item's sdist, prepared with its validated wheel; a failed build throws. */
  wheel(item: BuildItem): Promise<PreparedWheel>;
  /** The pinned farm workers that built it and vouch for its wheel (none for a local build). */
  builtBy(item: BuildItem): BuiltBy[] | undefined;
}

/** What discovery learned of an item's sdist: the verdict on its bytes, its build requirements, whether its wheel holds compiled code. */
export interface SdistFacts {
  verdict(item: BuildItem): Verdict | undefined;
  buildPlan(item: BuildItem): Promise<BuildPlan | undefined>;
  compiled(item: BuildItem): boolean;
}

export interface BuildStage {
  wheels: WheelSource;
  facts: SdistFacts;
  systems: TargetSystems;
  packaging: Packaging;
  jobs: number;
  /** The log of a project version, relative to the output directory. */
  logName(project: string, version: string): string;
  /** Counts for the summary. */
  stats: { built: number; reused: number };
}

export interface BuildResult {
  packages: PackageReport[];
  provided: ProvidedReport[];
  failures: Failure[];
}

/** Which recipe shaped a package: its file, and a digest of its settings. */
function recipeIdentity(recipe: LoadedRecipe): { file: string | null; sha256: string } {
  const { file, ...settings } = recipe;
  return { file: file ?? null, sha256: sha256Hex(JSON.stringify(settings)) };
}

const label = (item: PlanItem) => (item.kind === 'build' ? `${item.candidate.project} ${item.candidate.version}` : item.project);

/** Build every planned item of every target. */
export async function buildPlans(plans: ResolvedPlan[], stage: BuildStage): Promise<BuildResult> {
  const items = new Map<ItemId, PlanItem>();
  const failures = new Map<string, Failure>();
  for (const plan of plans) {
    for (const item of plan.items) items.set(item.id, item);
    for (const f of plan.failed) failures.set(`${plan.target.name}/${f.project}`, { project: f.project, version: f.version, target: plan.target.name, requiredBy: f.requiredBy, error: f.error });
  }
  const keyOf = (item: PlanItem, project: string) => `${item.target.name}/${project}`;
  const provided: ProvidedReport[] = [...items.values()]
    .filter((i) => i.kind === 'provided')
    .map((i) => ({ project: i.project, target: i.target.name, format: familyOf(i.target).format, package: i.package, version: i.version, requiredBy: i.requiredBy }));
  const jobs = [...items.values()].map((item) => ({
    key: item.id as string,
    dependencies: item.dependencies.map((d) => keyOf(item, d.project)),
    run: () => (item.kind === 'build' ? buildItem(item, stage) : Promise.resolve(undefined)),
  }));
  const outcomes = await runGraph(jobs, { concurrency: stage.jobs, failed: failures.keys() });
  const packages: PackageReport[] = [];
  // Dependencies before dependents, so that each failure can point at its cause.
  for (const [key, item] of items) {
    const outcome = outcomes.get(key)!;
    if (outcome.ok) {
      if (outcome.value) packages.push(outcome.value);
      continue;
    }
    if (outcome.value) for (const file of outcome.value.packages) await rm(join(stage.packaging.staged, file.file), { force: true });
    const failure: Failure = { project: item.project, version: item.kind === 'build' ? item.candidate.version : undefined, target: item.target.name, requiredBy: item.requiredBy };
    if (outcome.error instanceof Pkg2osError) failure.error = outcome.error;
    else if (outcome.error !== undefined) throw outcome.error;
    failures.set(key, failure);
    if (!outcome.error) stage.packaging.logger.progress?.file(label(item), 'failed');
    else stage.packaging.logger.warn(`${label(item)} for ${item.target.name} failed: ${failure.error!.message}`);
  }
  // Causes are linked once every failure is known.
  for (const key of items.keys()) {
    const outcome = outcomes.get(key)!;
    if (outcome.ok || outcome.error || !outcome.becauseOf) continue;
    const cause = failures.get(outcome.becauseOf);
    const failure = failures.get(key)!;
    if (cause) failure.becauseOf = { project: cause.project, failure: cause };
    failure.afterwards = outcome.value !== undefined;
  }
  for (const f of failures.values()) {
    const log = f.version && f.error ? stage.logName(f.project, f.version) : undefined;
    if (log) f.log = log;
  }
  return { packages, provided, failures: [...failures.values()] };
}

/** What decides an item's package besides the item: its sdist's digest, its build requirements, and its build root (every wheel is built in its target's). */
async function inputsOf(item: BuildItem, stage: BuildStage): Promise<ItemInputs> {
  return {
    sha256: stage.facts.verdict(item)?.sha256 ?? item.candidate.file.hashes.sha256 ?? '',
    build: await stage.facts.buildPlan(item),
    root: await stage.systems.rootIdentity(item.target),
  };
}

/** Whether the cache holds an item's package: then it needs no wheel (the build farm submits no job for it). */
export async function cachedPackage(item: BuildItem, stage: Pick<BuildStage, 'facts' | 'systems' | 'packaging'>): Promise<boolean> {
  if (!stage.packaging.cache) return false;
  return packageCached(item, stage.packaging, await inputsOf(item, stage as BuildStage));
}

async function buildItem(item: BuildItem, stage: BuildStage): Promise<PackageReport> {
  const { candidate } = item;
  const logger = stage.packaging.logger;
  let prepared: PreparedWheel | undefined;
  const report: PackageReport = {
    requirement: item.requiredBy[0]!,
    project: candidate.project,
    version: candidate.version,
    target: item.target.name,
    requiredBy: item.requiredBy,
    sdist: { url: redactUrl(candidate.file.url), filename: candidate.file.filename, sha256: '', size: 0 },
    verification: { result: 'verified', checks: [] },
    packages: [],
    dependencies: item.dependencies.map((d) => d.source),
    skippedRequirements: [],
    byteCompiled: {},
    recipe: recipeIdentity(item.recipe),
  };
  try {
    const parts = await inputsOf(item, stage);
    report.build = { environment: parts.build?.key ?? 'distribution', requirements: parts.build?.requirements ?? [] };
    const made = await packageItem(item, stage.packaging, stage.systems, parts, async () => (prepared ??= await stage.wheels.wheel(item)));
    report.packages.push(made.file);
    report.byteCompiled[made.file.format] = made.byteCompiled;
    report.skippedRequirements = made.skippedRequirements;
    stage.stats[made.reused ? 'reused' : 'built']++;
    logger.progress?.file(label(item), made.reused ? 'reused' : 'built');
  } catch (error) {
    logger.progress?.file(label(item), 'failed');
    throw error;
  } finally {
    logger.progress?.end(label(item));
  }
  if (prepared) report.log = stage.logName(candidate.project, candidate.version);
  const workers = stage.wheels.builtBy(item);
  if (workers?.length) report.builtBy = workers;
  const v = stage.facts.verdict(item);
  if (v) report.sdist = { ...report.sdist, sha256: v.sha256, size: v.size };
  if (v) report.verification.checks = v.checks;
  return report;
}
