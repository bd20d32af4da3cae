/**
 * Fetch and verify: an sdist from the index, streamed to disk while it is
 * hashed, then checked by the verifier (hash, signature, provenance,
 * lockfile) before anything opens it. The one way a coordinator gets a
 * `VerifiedArtifact`, the only source its builds accept (build/prepare.ts).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedRecipe } from '../../config/recipes.js';
import { type Logger, reportStep } from '../../log.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import type { IndexClient } from '../index/index-client.js';
import type { UpstreamVerifier } from '../verify/upstream-verifier.js';
import type { VerifiedArtifact } from '../verify/verified-artifact.js';
import { type PrepareContext, type PreparedSdist, prepareArtifact } from '../../build/prepare.js';
import type { BuildPlan } from './build-requirements.js';

export interface FetchContext {
  client: IndexClient;
  verifier: UpstreamVerifier;
  recipe: LoadedRecipe;
  /** This project's work directory (the download goes to download/). */
  dir: string;
  /** Its build log: one from an earlier run of the same version is replaced. */
  logFile: string;
  /** Recorded in the lockfile: this sdist is a build requirement. */
  role?: 'build';
  logger: Logger;
}

export async function fetchAndVerify(candidate: SdistCandidate, context: FetchContext): Promise<VerifiedArtifact> {
  const { logger } = context;
  const label = `${candidate.project} ${candidate.version}`;
  await mkdir(join(context.dir, 'download'), { recursive: true });
  await rm(context.logFile, { force: true });
  reportStep(logger, label, { phase: 'download', subject: candidate.file.filename });
  const download = await context.client.download(candidate.file, join(context.dir, 'download', candidate.file.filename));
  const artifact = await context.verifier.fromBytes(candidate, download, context.recipe, context.role);
  const signature = artifact.checks.find((c) => c.kind === 'signature');
  if (signature?.result === 'pass') for (const warning of signature.detail.warnings) logger.warn(`${candidate.file.filename}: ${warning}`);
  reportStep(logger, label, { phase: 'verified', subject: `sha256 ${artifact.sha256}`, detail: signature?.result === 'pass' ? `signature by ${signature.detail.signer}` : signature ? `(signature: ${signature.detail.reason})` : undefined });
  return artifact;
}

/** A coordinator's preparation: of a verified sdist, with its build requirements resolved from the index. */
export type Preparation = PreparedSdist<VerifiedArtifact, BuildPlan>;

/** A preparation whose wheel was built and validated. */
export type PreparedWheel = Extract<Preparation, { state: 'built' }>;

/** Fetch and verify, then prepare in the box as far as `context.goal` asks. */
export async function prepareFromIndex(candidate: SdistCandidate, context: FetchContext & Omit<PrepareContext<BuildPlan>, 'recipe' | 'dir' | 'logFile' | 'logger'>): Promise<Preparation> {
  return prepareArtifact(await fetchAndVerify(candidate, context), context);
}
