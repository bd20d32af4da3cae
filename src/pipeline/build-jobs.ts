/**
 * The build stage: one job per planned (target, project), run in dependency
 * order by the job graph, each packaging its project in every format the
 * distribution does not provide. A failed job fails its dependents with the
 * cause; unrelated jobs still build.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { packageNameFor } from '../config/recipes.js';
import { Pkg2osError } from '../errors.js';
import { redactUrl } from '../index/url-policy.js';
import { type PackageItemContext, packageCached, packageItem } from '../package/package-item.js';
import type { PlanItem, ResolvedPlan } from '../plan/plan.types.js';
import type { BuildPlan } from '../sdist/build-requirements.js';
import type { PreparedSdist } from '../sdist/prepare.js';
import type { Verdict } from '../verify/upstream-verifier.js';
import type { ValidatedWheel } from '../wheel/validate-wheel.js';
import type { Failure } from './failures.js';
import type { PackageReport, ProvidedReport } from './report.js';
import { runGraph } from './schedule.js';
import { sha256Hex } from '../digest.js';
import type { LoadedRecipe } from '../config/recipes.js';

/** Which recipe shaped a package: its file, and a digest of its settings. */
function recipeIdentity(recipe: LoadedRecipe): { file: string | null; sha256: string } {
  const { file, ...settings } = recipe;
  return { file: file ?? null, sha256: sha256Hex(JSON.stringify(settings)) };
}

export interface BuildJobsContext extends Omit<PackageItemContext, 'sha256' | 'wheel'> {
  jobs: number;
  verdict(url: string): Verdict | undefined;
  prepare(item: PlanItem): Promise<PreparedSdist>;
  /** The build requirements of an item's sdist (resolved, not made). */
  buildPlan(item: PlanItem): Promise<BuildPlan | undefined>;
  /** The log of a project version, relative to the output directory. */
  logName(project: string, version: string): string;
  /** Whether an item's wheel holds compiled code (known once a wheel was built, or from the metadata cache). */
  compiled(item: PlanItem): boolean;
  /** The identity of a target's build root (its archive, release date and package set). */
  rootIdentity(item: PlanItem): Promise<string>;
  /** Which build-farm worker built an item's wheel (undefined for a local build). */
  builtBy?(item: PlanItem): string | undefined;
  /** Counts for the summary. */
  stats: { built: number; reused: number };
}

export interface BuildResult {
  packages: PackageReport[];
  provided: ProvidedReport[];
  failures: Failure[];
}

const keyOf = (target: string, project: string) => `${target}\u0000${project}`;
const label = (item: PlanItem) => (item.candidate ? `${item.candidate.project} ${item.candidate.version}` : item.project);

/** Build every planned item of every target. */
export async function buildPlans(plans: ResolvedPlan[], context: BuildJobsContext): Promise<BuildResult> {
  const items = new Map<string, PlanItem>();
  const failures = new Map<string, Failure>();
  const provided: ProvidedReport[] = [];
  for (const plan of plans) {
    for (const item of plan.items) items.set(keyOf(plan.target.name, item.project), item);
    for (const f of plan.failed) failures.set(keyOf(plan.target.name, f.project), { project: f.project, version: f.version, target: plan.target.name, requiredBy: f.requiredBy, error: f.error });
  }
  const jobs = [...items].map(([key, item]) => ({
    key,
    dependencies: item.dependencies.map((d) => keyOf(item.target.name, d.project)),
    run: () => buildItem(item, context, provided),
  }));
  const outcomes = await runGraph(jobs, { concurrency: context.jobs, failed: failures.keys() });
  const packages: PackageReport[] = [];
  // Dependencies before dependents, so that each failure can point at its cause.
  for (const [key, item] of items) {
    const outcome = outcomes.get(key)!;
    if (outcome.ok) {
      if (outcome.value) packages.push(outcome.value);
      continue;
    }
    if (outcome.value) for (const file of outcome.value.packages) await rm(join(context.staged, file.file), { force: true });
    const failure: Failure = { project: item.project, version: item.candidate?.version, target: item.target.name, requiredBy: item.requiredBy };
    if (outcome.error instanceof Pkg2osError) failure.error = outcome.error;
    else if (outcome.error !== undefined) throw outcome.error;
    failures.set(key, failure);
    if (!outcome.error) context.logger.progress?.file(label(item), 'failed');
    else context.logger.warn(`${label(item)} for ${item.target.name} failed: ${failure.error!.message}`);
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
    const log = f.version && f.error ? context.logName(f.project, f.version) : undefined;
    if (log) f.log = log;
  }
  return { packages, provided, failures: [...failures.values()] };
}

/** What decides an item's packages besides the item: its sdist's digest, build requirements, build root, and the formats to make. */
async function keyParts(item: PlanItem, context: BuildJobsContext) {
  const build = await context.buildPlan(item);
  return {
    sha256: context.verdict(item.candidate!.file.url)?.sha256 ?? item.candidate!.file.hashes.sha256 ?? '',
    build,
    root: context.compiled(item) ? await context.rootIdentity(item) : null,
    formats: [item.target.family].filter((f) => !item.providedFor.includes(f)),
  };
}

/** Whether the cache holds every package of an item: then it needs no wheel (the build farm submits no job for it). */
export async function cachedEverywhere(item: PlanItem, context: BuildJobsContext): Promise<boolean> {
  if (!item.candidate || !context.cache) return false;
  const { formats, ...parts } = await keyParts(item, context);
  for (const format of formats) if (!(await packageCached(item, format, { ...context, ...parts }))) return false;
  return true;
}

async function buildItem(item: PlanItem, context: BuildJobsContext, provided: ProvidedReport[]): Promise<PackageReport | undefined> {
  for (const format of item.providedFor) provided.push({ project: item.project, target: item.target.name, format, package: packageNameFor(item.project, item.recipe, format), version: item.providedVersion ?? null, requiredBy: item.requiredBy });
  const candidate = item.candidate;
  if (!candidate) return undefined;
  const verdict = () => context.verdict(candidate.file.url);
  let prepared: PreparedSdist | undefined;
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
    const { formats, ...parts } = await keyParts(item, context);
    report.build = { environment: parts.build?.key ?? 'distribution', requirements: parts.build?.requirements ?? [] };
    for (const format of formats) {
      const made = await packageItem(item, format, {
        ...context,
        ...parts,
        wheel: async () => {
          prepared ??= await context.prepare(item);
          if (prepared.wheelError) throw prepared.wheelError;
          return prepared as PreparedSdist & { wheel: ValidatedWheel };
        },
      });
      report.packages.push(made.file);
      report.byteCompiled[format] = made.byteCompiled;
      report.skippedRequirements = made.skippedRequirements;
      context.stats[made.reused ? 'reused' : 'built']++;
      context.logger.progress?.file(label(item), made.reused ? 'reused' : 'built');
    }
  } catch (error) {
    context.logger.progress?.file(label(item), 'failed');
    throw error;
  } finally {
    context.logger.progress?.end(label(item));
  }
  if (prepared) report.log = context.logName(candidate.project, candidate.version);
  const worker = context.builtBy?.(item);
  if (worker) report.builtBy = worker;
  const v = verdict();
  if (v) report.sdist = { ...report.sdist, sha256: v.sha256, size: v.size };
  if (v) report.verification.checks = v.checks;
  return report;
}
