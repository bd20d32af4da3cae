/**
 * One package file: (build item, target's family). Its inputs digest decides
 * the release (from the repository's ledger) and the cache key; a cache hit
 * is copied, else the wheel is staged in the target's layout, described and
 * handed to the family's packager — staging and packaging in one box made
 * for this (item, target, format).
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Box, type BoxPolicy } from '../../box/box.js';
import type { BuildInputs } from '../cache/build-inputs.js';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import type { ReleaseSlot } from '../../config/build-request.js';
import { type LoadedRecipe, packageNameFor } from '../../config/recipes.js';
import type { TargetProfile } from '../../config/targets.js';
import type { DistributionFiles } from '../../families/shared/family.types.js';
import { familyOf } from '../../families/registry.js';
import type { Templates } from '../../families/shared/templates.js';
import type { ReleaseData } from '../../families/shared/release-data.js';
import type { SandboxRoot } from '../../box/sandbox.js';
import type { ValidatedWheel } from '../../build/validate-wheel.js';
import { checkTakeover } from './takeover.js';
import { copyAtomic } from '../../fs-atomic.js';
import { redactUrl } from '../../url-policy.js';
import { type Logger, reportStep } from '../../log.js';
import type { BuildItem } from '../plan/plan.types.js';
import type { BuildPlan } from '../prepare/build-requirements.js';
import type { PreparedWheel } from '../prepare/fetch-sdist.js';
import { readLicenseTexts } from '../stage/license-texts.js';
import { stageWheel } from '../stage/stage.js';
import { makePackageInfo } from './package-info.js';

/** A built (or reused) package file, as report.json lists it. */
export interface PackageFile {
  format: string;
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

/** The systems packages are made for: where a wheel is staged for a target, what the target has installed, and its root's identity. */
export interface TargetSystems {
  /** The root a wheel is staged with for a target (its own for compiled code and byte-compiled layouts), and that root's Python ("X.Y"). */
  stagingRoot(target: TargetProfile, wheel: ValidatedWheel): Promise<{ root: SandboxRoot; python: string }>;
  installed(target: TargetProfile): Promise<DistributionFiles | undefined>;
  /** The identity of a target's build root (its archive, release date and package set). */
  rootIdentity(target: TargetProfile): Promise<string>;
  /** What the target's whole release ships, when it can be read. */
  release(target: TargetProfile): Promise<ReleaseData | undefined>;
}

/** How a run makes package files: who maintains them, what they are called, which release they get, where they go. */
export interface Packaging {
  maintainer: string;
  /** A project's recipe as it applies to a family's packages. */
  recipeOf(project: string, family: string): LoadedRecipe | undefined;
  /** The release for (target, format, package, upstream version) from its inputs digest. */
  release(slot: ReleaseSlot, inputs: string): number;
  inputs: BuildInputs;
  cache?: ContentCache;
  /** Where finished package files go (`<staged>/<format>/`). */
  staged: string;
  policy: BoxPolicy;
  /** The templates packages are rendered from. */
  templates: Templates;
  logger: Logger;
}

/** What decides an item's packages besides the item: its sdist's digest, build requirements and (for compiled code) build root. */
export interface ItemInputs {
  sha256: string;
  build?: BuildPlan;
  /** The identity of the build root compiled code was built in (null for pure Python). */
  root: string | null;
}

type CachedPackage = { built: PackageFile; byteCompiled: boolean; skipped: string[] };

/** The inputs digest of an item's package, the release it decides, and its cache key (without a cache, none). */
async function packageKey(item: BuildItem, packaging: Packaging, parts: ItemInputs): Promise<{ inputs: string; release: number; key?: string }> {
  const format = familyOf(item.target).format;
  const inputs = await packaging.inputs.packageInputs({
    sha256: parts.sha256,
    format,
    target: item.target.name,
    recipe: item.recipe,
    dependencies: item.dependencies.map((d) => [d.project, d.specifier, d.package]),
    maintainer: packaging.maintainer,
    build: parts.build ? { environment: parts.build.key, requirements: parts.build.requirements.map((r) => [r.project, r.version, r.source]) } : null,
    root: parts.root,
  });
  const release = packaging.release({ target: item.target.name, format, package: packageNameFor(item.candidate.project, item.recipe, format), version: item.candidate.version }, inputs);
  return { inputs, release, ...(packaging.cache ? { key: cacheKey({ inputs, release }) } : {}) };
}

/** Whether the cache holds an item's package, so that no wheel is needed for it. */
export async function packageCached(item: BuildItem, packaging: Packaging, parts: ItemInputs): Promise<boolean> {
  const { key } = await packageKey(item, packaging, parts);
  return key !== undefined && (await packaging.cache!.get('package', key)) !== undefined;
}

export async function packageItem(item: BuildItem, packaging: Packaging, systems: TargetSystems, parts: ItemInputs, wheel: () => Promise<PreparedWheel>): Promise<PackagedItem> {
  const { candidate, target } = item;
  const family = familyOf(target);
  const format = family.format;
  const label = `${candidate.project} ${candidate.version}`;
  const { inputs, release, key } = await packageKey(item, packaging, parts);
  const hit = key ? await packaging.cache!.get<CachedPackage>('package', key) : undefined;
  if (hit) {
    const [name, path] = [...hit.files][0]!;
    await copyAtomic(path, join(packaging.staged, format, name));
    reportStep(packaging.logger, label, { phase: 'reused', subject: `${format} for ${target.name}` });
    return { file: hit.meta.built, byteCompiled: hit.meta.byteCompiled, skippedRequirements: hit.meta.skipped, reused: true };
  }
  const prepared = await wheel();
  reportStep(packaging.logger, label, { phase: 'package', subject: `${format} for ${target.name}` });
  const packageName = packageNameFor(candidate.project, item.recipe, format);
  const staging = await systems.stagingRoot(target, prepared.wheel);
  const [installed, releaseData] = await Promise.all([systems.installed(target), systems.release(target)]);
  // A box of its own for staging and packaging this (target, format).
  const dir = join(prepared.dir, `${target.name}-${format}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const box = new Box(dir, staging.root, prepared.logFile, packaging.policy);
  const tree = await stageWheel({
    box,
    python: staging.python,
    wheel: prepared.wheel,
    target,
    project: candidate.project,
    packageName,
    sourceDateEpoch: prepared.sourceDateEpoch,
    allowFiles: item.recipe['allow-files'] ?? [],
    recipeFile: item.recipe.file,
    installed,
    release: releaseData,
    replacesDistribution: item.recipe['replaces-distribution-package'] ?? false,
    logger: packaging.logger,
  });
  const info = makePackageInfo({
    project: candidate.project,
    tree,
    target,
    maintainer: packaging.maintainer,
    release,
    sdist: { filename: candidate.file.filename, sha256: prepared.artifact.sha256, url: redactUrl(candidate.file.url) },
    licenseTexts: await readLicenseTexts(tree.root, tree.distInfo, tree.metadata.licenseFiles),
    sourceDateEpoch: prepared.sourceDateEpoch,
    recipe: item.recipe,
    planned: item.dependencies,
    templates: packaging.templates,
  });
  checkTakeover(info, { recipe: item.recipe, recipeOf: (project) => packaging.recipeOf(project, family.name), installed, release: releaseData });
  const { path, ...built } = await family.packager.build(info, box, join(packaging.staged, format));
  const file: PackageFile = { ...built, file: `${format}/${basename(path)}`, target: target.name, upstreamVersion: candidate.version, release, inputs };
  if (key) await packaging.cache!.put<CachedPackage>('package', key, { built: file, byteCompiled: tree.byteCompiled, skipped: info.skippedRequirements }, [path]);
  await rm(dir, { recursive: true, force: true });
  return { file, byteCompiled: tree.byteCompiled, skippedRequirements: info.skippedRequirements, reused: false };
}
