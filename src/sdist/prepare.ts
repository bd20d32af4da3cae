/**
 * One sdist, once: download → verify → unpack → apply the recipe → its
 * runtime requirements. When packages will be built the wheel is built here
 * too (its METADATA is the authority on its requirements, and it saves one
 * Python run) and validated before anything installs it. Nothing of the
 * sdist runs before it is verified, and then only in the build sandbox.
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildLimits } from '../config/build-limits.js';
import { parseDuration } from '../config/duration.js';
import type { LoadedRecipe } from '../config/recipes.js';
import type { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import { type Logger, reportStep } from '../log.js';
import type { SandboxRoot } from '../sandbox/sandbox.js';
import type { UpstreamVerifier } from '../verify/upstream-verifier.js';
import type { VerifiedArtifact } from '../verify/verified-artifact.js';
import type { BuildBox } from '../wheel/build-box.js';
import { buildWheel, sourceRequirements } from '../wheel/build-wheel.js';
import { type ValidatedWheel, validateWheel } from '../wheel/validate-wheel.js';
import { applyRecipe } from './apply-recipe.js';
import { sourceDateEpoch } from './source-date.js';
import { unpackSdist } from './unpack.js';

/** A verified, unpacked sdist, its runtime requirements and (when building) its validated wheel. */
export interface PreparedSdist {
  artifact: VerifiedArtifact;
  sourceDateEpoch: number;
  /** This project's work directory (its build box is box/). */
  dir: string;
  logFile: string;
  requiresDist: string[];
  wheel?: ValidatedWheel;
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
  /** The root builds run on, and the limits on them (a recipe's build-timeout wins). */
  root: SandboxRoot;
  limits: BuildLimits;
  logger: Logger;
}

export async function prepareSdist(candidate: SdistCandidate, context: PrepareContext): Promise<PreparedSdist> {
  const { dir, logFile, recipe, logger } = context;
  const label = `${candidate.project} ${candidate.version}`;
  await mkdir(join(dir, 'download'), { recursive: true });
  // A log from an earlier run of the same version is replaced.
  await rm(logFile, { force: true });
  reportStep(logger, label, { phase: 'download', subject: candidate.file.filename });
  const download = await context.client.download(candidate.file, join(dir, 'download', candidate.file.filename));
  const artifact = await context.verifier.fromBytes(candidate, download, recipe);
  const signature = artifact.checks.find((c) => c.kind === 'signature');
  if (signature?.result === 'pass') for (const warning of signature.detail.warnings) logger.warn(`${candidate.file.filename}: ${warning}`);
  reportStep(logger, label, { phase: 'verified', subject: `sha256 ${artifact.sha256}`, detail: signature?.result === 'pass' ? `signature by ${signature.detail.signer}` : signature ? `(signature: ${signature.detail.reason})` : undefined });
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
  await applyRecipe(recipe, box);
  if (!context.buildWheel) {
    const requiresDist = await sourceRequirements(box, sourceDir);
    return { artifact, sourceDateEpoch: epoch, dir, logFile, requiresDist };
  }
  reportStep(logger, label, { phase: 'wheel' });
  const wheel = await validateWheel(await buildWheel(box, join(dir, 'wheel')), candidate, context.limits.wheel, label);
  for (const warning of wheel.metadata.warnings) logger.warn(`${label}: ${warning}`);
  reportStep(logger, label, { phase: 'waiting' });
  return { artifact, sourceDateEpoch: epoch, dir, logFile, requiresDist: wheel.metadata.requiresDist, wheel };
}
