/**
 * One package file: (planned item, target, format). Its inputs digest decides
 * the release (from the repository's ledger) and the cache key; a cache hit
 * is copied, else the wheel is staged in the target's layout, described and
 * handed to the format's packager.
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildInputs } from '../cache/build-inputs.js';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import type { ReleaseSlot } from '../config/build-request.js';
import type { BuildLimits } from '../config/build-limits.js';
import { type LoadedRecipe, packageNameFor } from '../config/recipes.js';
import type { DistributionFiles } from '../host/distribution-files.js';
import { HOST_ROOT, type SandboxRoot } from '../sandbox/sandbox.js';
import type { TargetProfile } from '../config/targets.js';
import type { ValidatedWheel } from '../wheel/validate-wheel.js';
import { checkTakeover } from './takeover.js';
import type { PackageFormat } from '../config/targets.js';
import { copyAtomic } from '../fs-atomic.js';
import { redactUrl } from '../index/url-policy.js';
import { type Logger, reportStep } from '../log.js';
import type { PlanItem } from '../plan/plan.types.js';
import type { BuildPlan } from '../sdist/build-requirements.js';
import type { PreparedSdist } from '../sdist/prepare.js';
import { readLicenseTexts } from '../stage/license-texts.js';
import { stageWheel } from '../stage/stage.js';
import { makePackageInfo } from './package-info.js';
import { PACKAGERS } from './registry.js';

/** A built (or reused) package file, as report.json lists it. */
export interface PackageFile {
  format: PackageFormat;
  name: string;
  version: string;
  arch: string;
  sha256: string;
  size: number;
  /** Relative to the output directory. */
  file: string;
  target: string;
  upstreamVersion: string;
  release: number;
  inputs: string;
}

export interface PackagedItem {
  file: PackageFile;
  byteCompiled: boolean;
  skippedRequirements: string[];
  reused: boolean;
}

/** Chooses the release for (target, format, package, upstream version) from its inputs digest. */
export type ReleaseChooser = (slot: ReleaseSlot, inputs: string) => number;

export interface PackageItemContext {
  /** The sdist's sha256, as verified. */
  sha256: string;
  /** The prepared sdist with its validated wheel, made only when the cache has no package. */
  wheel: () => Promise<PreparedSdist & { wheel: ValidatedWheel }>;
  /** The build requirements the wheel was (or would be) built with. */
  build?: BuildPlan;
  /** The identity of the build root compiled code was built in (null for pure Python). */
  root?: string | null;
  /** The recipe of a project (for the takeover rules of its dependencies). */
  recipeOf: (project: string) => LoadedRecipe | undefined;
  /** Where a wheel is staged for a target (its root and that root's Python), and what the target has installed. */
  stagingRoot: (target: TargetProfile, wheel: ValidatedWheel) => Promise<{ root: SandboxRoot; python: string }>;
  installed: (target: TargetProfile) => Promise<DistributionFiles | undefined>;
  limits: BuildLimits;
  /** The distribution package name of a dependency in a format. */
  nameOf: (project: string, format: PackageFormat) => string;
  maintainer: string;
  release: ReleaseChooser;
  inputs: BuildInputs;
  cache?: ContentCache;
  /** Where finished package files go (`<staged>/<format>/`). */
  staged: string;
  logger: Logger;
}

type CachedPackage = { built: PackageFile; byteCompiled: boolean; skipped: string[] };

type KeyContext = Pick<PackageItemContext, 'sha256' | 'build' | 'root' | 'nameOf' | 'maintainer' | 'release' | 'inputs' | 'cache'>;

/** The inputs digest of (item, format), the release it decides, and the package's cache key (without a cache, none). */
async function packageKey(item: PlanItem, format: PackageFormat, context: KeyContext): Promise<{ inputs: string; release: number; key?: string }> {
  const candidate = item.candidate!;
  const target = item.target.name;
  const inputs = await context.inputs.packageInputs({
    sha256: context.sha256,
    format,
    target,
    recipe: item.recipe,
    dependencies: item.dependencies.map((d) => [d.project, d.specifier, context.nameOf(d.project, format)]),
    maintainer: context.maintainer,
    build: context.build ? { environment: context.build.key, requirements: context.build.requirements.map((r) => [r.project, r.version, r.source]) } : null,
    root: context.root ?? null,
  });
  const release = context.release({ target, format, package: packageNameFor(candidate.project, item.recipe, format), version: candidate.version }, inputs);
  return { inputs, release, ...(context.cache ? { key: cacheKey({ inputs, release }) } : {}) };
}

/** Whether the cache holds (item, format)'s package, so that no wheel is needed for it. */
export async function packageCached(item: PlanItem, format: PackageFormat, context: KeyContext): Promise<boolean> {
  const { key } = await packageKey(item, format, context);
  return key !== undefined && (await context.cache!.get('package', key)) !== undefined;
}

export async function packageItem(item: PlanItem, format: PackageFormat, context: PackageItemContext): Promise<PackagedItem> {
  const candidate = item.candidate!;
  const label = `${candidate.project} ${candidate.version}`;
  const target = item.target.name;
  const { inputs, release, key } = await packageKey(item, format, context);
  const hit = key ? await context.cache!.get<CachedPackage>('package', key) : undefined;
  if (hit) {
    const [name, path] = [...hit.files][0]!;
    await copyAtomic(path, join(context.staged, format, name));
    reportStep(context.logger, label, { phase: 'reused', subject: `${format} for ${target}` });
    return { file: hit.meta.built, byteCompiled: hit.meta.byteCompiled, skippedRequirements: hit.meta.skipped, reused: true };
  }
  const prepared = await context.wheel();
  // A box of its own for staging and packaging this (target, format).
  const box = join(prepared.dir, `${target}-${format}`);
  await rm(box, { recursive: true, force: true });
  await mkdir(box, { recursive: true });
  reportStep(context.logger, label, { phase: 'package', subject: `${format} for ${target}` });
  const packageName = packageNameFor(candidate.project, item.recipe, format);
  const staging = await context.stagingRoot(item.target, prepared.wheel);
  const installed = await context.installed(item.target);
  const sandbox = { limits: context.limits.sandbox, logCapBytes: context.limits.logCapBytes, logFile: prepared.logFile };
  const tree = await stageWheel({
    ...sandbox,
    root: staging.root,
    python: staging.python,
    wheel: prepared.wheel,
    format,
    target: item.target,
    project: candidate.project,
    packageName,
    box,
    sourceDateEpoch: prepared.sourceDateEpoch,
    allowFiles: item.recipe['allow-files'] ?? [],
    recipeFile: item.recipe.file,
    installed,
    logger: context.logger,
  });
  const info = makePackageInfo({
    project: candidate.project,
    tree,
    target: item.target,
    maintainer: context.maintainer,
    release,
    sdist: { filename: candidate.file.filename, sha256: prepared.artifact.sha256, url: redactUrl(candidate.file.url) },
    licenseTexts: await readLicenseTexts(tree.root, tree.distInfo, tree.metadata.licenseFiles),
    sourceDateEpoch: prepared.sourceDateEpoch,
    recipe: item.recipe,
    planned: item.dependencies,
    nameOf: (project) => context.nameOf(project, format),
  });
  checkTakeover(info, { recipe: item.recipe, recipeOf: context.recipeOf, installed });
  // The packaging tools are the host's own (dpkg-deb, rpmbuild), in a sandbox on the host's root.
  const { path, ...built } = await PACKAGERS[format].build(info, { ...sandbox, root: HOST_ROOT, box, outDir: join(context.staged, format) });
  const file: PackageFile = { ...built, file: `${format}/${basename(path)}`, target, upstreamVersion: candidate.version, release, inputs };
  if (key) await context.cache!.put<CachedPackage>('package', key, { built: file, byteCompiled: tree.byteCompiled, skipped: info.skippedRequirements }, [path]);
  await rm(box, { recursive: true, force: true });
  return { file, byteCompiled: tree.byteCompiled, skippedRequirements: info.skippedRequirements, reused: false };
}
