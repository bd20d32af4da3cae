/**
 * One sdist, once: download → verify → unpack → apply the recipe → its
 * runtime requirements. When packages will be built the wheel is built here
 * too: its METADATA is the authority on its requirements, and it saves one
 * Python run. Nothing of the sdist runs before it is verified.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedRecipe } from '../config/recipes.js';
import type { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import { type Logger, reportStep } from '../log.js';
import type { UpstreamVerifier } from '../verify/upstream-verifier.js';
import type { VerifiedArtifact } from '../verify/verified-artifact.js';
import { buildWheel, sourceRequirements } from '../wheel/build-wheel.js';
import { readWheelMetadata } from '../wheel/wheel-metadata.js';
import { applyRecipe } from './apply-recipe.js';
import { sourceDateEpoch } from './source-date.js';
import { unpackSdist } from './unpack.js';

/** A verified, unpacked sdist, its runtime requirements and (when building) its wheel. */
export interface PreparedSdist {
  artifact: VerifiedArtifact;
  sourceDir: string;
  sourceDateEpoch: number;
  /** This project's work directory. */
  dir: string;
  logFile: string;
  requiresDist: string[];
  wheel?: string;
}

export interface PrepareContext {
  client: IndexClient;
  verifier: UpstreamVerifier;
  recipe: LoadedRecipe;
  /** The work directory for this sdist (created). */
  dir: string;
  /** Its build log; it appears when the first tool runs. */
  logFile: string;
  /** Build the wheel now (packages will be built) rather than only read the metadata. */
  buildWheel: boolean;
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
  const signed = signature?.result === 'pass' ? `, signature by ${signature.detail.signer}` : signature ? ` (signature: ${signature.detail.reason})` : '';
  reportStep(logger, label, { phase: 'verified', subject: `sha256 ${artifact.sha256}`, detail: signed.replace(/^, /, '') || undefined });
  const unpackDir = join(dir, 'src');
  await mkdir(unpackDir);
  const sourceDir = await unpackSdist(artifact, unpackDir);
  await applyRecipe(recipe, sourceDir, logFile, label);
  const epoch = await sourceDateEpoch(sourceDir);
  const options = { sourceDir, logFile, sourceDateEpoch: epoch, projectLabel: label, env: recipe.env };
  if (!context.buildWheel) {
    const requiresDist = await sourceRequirements({ ...options, outDir: join(dir, 'metadata') });
    return { artifact, sourceDir, sourceDateEpoch: epoch, dir, logFile, requiresDist };
  }
  reportStep(logger, label, { phase: 'wheel' });
  const wheel = await buildWheel({ ...options, outDir: join(dir, 'wheel') });
  const { metadata } = await readWheelMetadata(wheel, label);
  for (const warning of metadata.warnings) logger.warn(`${label}: ${warning}`);
  reportStep(logger, label, { phase: 'waiting' });
  return { artifact, sourceDir, sourceDateEpoch: epoch, dir, logFile, requiresDist: metadata.requiresDist, wheel };
}
