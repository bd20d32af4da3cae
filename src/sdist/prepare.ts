/**
 * One sdist, once: download → verify → unpack → apply the recipe → its build
 * requirements (the distribution's, else verified ones from the index, in a
 * build environment) → its runtime requirements. When packages will be built
 * the wheel is built here too (its METADATA is the authority on its
 * requirements) and validated before anything installs it. Nothing of the
 * sdist runs before it is verified, and then only in the build sandbox.
 * When the wheel fails but the sdist's metadata is static (PEP 643), the
 * requirements are still known: the failure is kept for the build stage and
 * the closure is planned anyway.
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildLimits } from '../config/build-limits.js';
import { parseDuration } from '../config/duration.js';
import type { LoadedRecipe } from '../config/recipes.js';
import { Pkg2osError } from '../errors.js';
import type { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import { type Logger, reportStep } from '../log.js';
import type { SandboxRoot } from '../sandbox/sandbox.js';
import type { UpstreamVerifier } from '../verify/upstream-verifier.js';
import type { VerifiedArtifact } from '../verify/verified-artifact.js';
import type { BuildBox } from '../wheel/build-box.js';
import { buildWheel, requiresForBuildWheel, sourceRequirements, staticRequirements } from '../wheel/build-wheel.js';
import { type ValidatedWheel, validateWheel } from '../wheel/validate-wheel.js';
import { applyRecipe } from './apply-recipe.js';
import type { BuildPlan } from './build-requirements.js';
import { readBuildSystem } from './build-system.js';
import { sourceDateEpoch } from './source-date.js';
import { unpackSdist } from './unpack.js';
import { readFile } from 'node:fs/promises';

/** A verified, unpacked sdist, its requirements and (when building) its validated wheel. */
export interface PreparedSdist {
  artifact: VerifiedArtifact;
  sourceDateEpoch: number;
  /** This project's work directory (its build box is box/). */
  dir: string;
  logFile: string;
  requiresDist: string[];
  /** Its build requirements (declared and asked for by the backend), and where each came from. */
  buildRequires: string[];
  build?: BuildPlan;
  wheel?: ValidatedWheel;
  /** The wheel failed, but the requirements were known from static metadata: this is the failure. */
  wheelError?: Pkg2osError;
}

/** Resolves build requirements into a plan and, when asked, makes its environment. */
export interface BuildEnvironments {
  plan(requirements: readonly string[], chain: readonly string[], label: string): Promise<BuildPlan>;
  /** The environment's prefix on the host, or undefined when the distribution provides everything. */
  materialize(plan: BuildPlan): Promise<string | undefined>;
}

export interface PrepareContext {
  client: IndexClient;
  verifier: UpstreamVerifier;
  recipe: LoadedRecipe;
  /** The work directory for this sdist. */
  dir: string;
  /** Its build log; it appears when the first tool runs. */
  logFile: string;
  /** Build the wheel now (packages will be built) rather than only read the metadata. */
  buildWheel: boolean;
  /** Without building the wheel, still resolve its build requirements (the build farm ships them to a worker). */
  buildPlan?: boolean;
  /** The root builds run on, and the limits on them (a recipe's build-timeout wins). */
  root: SandboxRoot;
  limits: BuildLimits;
  environments: BuildEnvironments;
  /** Build requirements being built around this one (it is one of them when this is set). */
  chain?: string[];
  logger: Logger;
}

export async function prepareSdist(candidate: SdistCandidate, context: PrepareContext): Promise<PreparedSdist> {
  const { dir, logFile, recipe, logger } = context;
  const label = `${candidate.project} ${candidate.version}`;
  const role = context.chain ? 'build' : undefined;
  await mkdir(join(dir, 'download'), { recursive: true });
  // A log from an earlier run of the same version is replaced.
  await rm(logFile, { force: true });
  reportStep(logger, label, { phase: 'download', subject: candidate.file.filename });
  const download = await context.client.download(candidate.file, join(dir, 'download', candidate.file.filename));
  const artifact = await context.verifier.fromBytes(candidate, download, recipe, role);
  const signature = artifact.checks.find((c) => c.kind === 'signature');
  if (signature?.result === 'pass') for (const warning of signature.detail.warnings) logger.warn(`${candidate.file.filename}: ${warning}`);
  reportStep(logger, label, { phase: 'verified', subject: `sha256 ${artifact.sha256}`, detail: signature?.result === 'pass' ? `signature by ${signature.detail.signer}` : signature ? `(signature: ${signature.detail.reason})` : undefined });
  return prepareArtifact(artifact, context);
}

/** A verified sdist (downloaded and verified here, or fetched by its verified digest on a build-farm worker): unpack, recipe, requirements, wheel. */
export async function prepareArtifact(artifact: VerifiedArtifact, context: PrepareContext): Promise<PreparedSdist> {
  const { dir, logFile, recipe, logger } = context;
  const candidate = artifact.candidate;
  const label = `${candidate.project} ${candidate.version}`;
  const boxDir = join(dir, 'box');
  await mkdir(join(boxDir, 'src'), { recursive: true });
  const sourceDir = await unpackSdist(artifact, join(boxDir, 'src'));
  const epoch = await sourceDateEpoch(sourceDir);
  const box: BuildBox = {
    dir: boxDir,
    sourceDir: `/build/src/${basename(sourceDir)}`,
    root: context.root,
    limits: { ...context.limits.sandbox, ...(recipe['build-timeout'] ? { wallSeconds: parseDuration(recipe['build-timeout'], `build-timeout in ${recipe.file}`) } : {}) },
    logFile,
    logCapBytes: context.limits.logCapBytes,
    sourceDateEpoch: epoch,
    env: recipe.env,
    label,
  };
  const base = { artifact, sourceDateEpoch: epoch, dir, logFile };
  const fromPkgInfo = staticRequirements(await readFile(join(sourceDir, 'PKG-INFO'), 'utf8').catch(() => ''));
  let buildRequires: string[] = [];
  try {
    await applyRecipe(recipe, box);
    // Requirements known without running anything need no build environment (a plan-only run).
    if (!context.buildWheel && !context.buildPlan && fromPkgInfo) return { ...base, requiresDist: fromPkgInfo, buildRequires: [] };
    reportStep(logger, label, { phase: 'build-requirements' });
    const system = await readBuildSystem(sourceDir, label);
    const chain = context.chain ?? [candidate.project];
    buildRequires = system.requires;
    let plan = await context.environments.plan(buildRequires, chain, label);
    box.envDir = await context.environments.materialize(plan);
    const asked = await requiresForBuildWheel(box);
    if (asked.some((r) => !buildRequires.includes(r))) {
      buildRequires = [...new Set([...buildRequires, ...asked])];
      plan = await context.environments.plan(buildRequires, chain, label);
      box.envDir = await context.environments.materialize(plan);
    }
    for (const r of plan.requirements.filter((r) => r.note)) logger.info(`${label}: ${r.note}`);
    if (!context.buildWheel) return { ...base, requiresDist: fromPkgInfo ?? (await sourceRequirements(box, sourceDir)), buildRequires, build: plan };
    reportStep(logger, label, { phase: 'wheel' });
    const wheel = await validateWheel(await buildWheel(box, join(dir, 'wheel')), candidate, context.limits.wheel, label);
    for (const warning of wheel.metadata.warnings) logger.warn(`${label}: ${warning}`);
    reportStep(logger, label, { phase: 'waiting' });
    return { ...base, requiresDist: wheel.metadata.requiresDist, buildRequires, build: plan, wheel };
  } catch (error) {
    // Static metadata (PEP 643) says what it requires even when its wheel cannot be built: plan the closure anyway.
    if (error instanceof Pkg2osError && fromPkgInfo && !context.chain) return { ...base, requiresDist: fromPkgInfo, buildRequires, wheelError: error };
    throw error;
  }
}
