/**
 * The verifier, as a list of steps: hash → upstream signature → lockfile.
 * Each step adds a `Check` or throws; only what passes every step comes out
 * as a `VerifiedArtifact`, the one input the build stage accepts.
 */
import { readFile, rm } from 'node:fs/promises';
import type { SignaturePolicy } from '../config/recipes.js';
import type { DownloadedFile } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import { verifyHash } from './hash.js';
import type { LockOptions, Lockfile } from './lockfile.js';
import { type PublishedSignature, verifySignatureStep } from './signature.js';
import type { PinnedKeys } from './trust-store.js';
import { type Check, VerifiedArtifact, verifiedToken } from './verified-artifact.js';

export interface VerifyContext {
  policy: SignaturePolicy;
  signature?: PublishedSignature;
  pinned: PinnedKeys;
  lockfile?: Lockfile;
  lockOptions?: LockOptions;
  now?: Date;
  /** Recorded in the lockfile: this file is a build requirement. */
  role?: 'build';
}

/** Verify a downloaded sdist. On any failure the file is deleted unopened. */
export async function verifyArtifact(candidate: SdistCandidate, download: DownloadedFile, context: VerifyContext): Promise<VerifiedArtifact> {
  const checks: Check[] = [];
  try {
    checks.push(await verifyHash(candidate, download));
    const data = await readFile(download.path);
    const signatureCheck = await verifySignatureStep({ candidate, data, policy: context.policy, signature: context.signature, pinned: context.pinned, now: context.now });
    checks.push(signatureCheck);
    if (context.lockfile) {
      const signer = signatureCheck.result === 'pass' ? signatureCheck.detail.signer : null;
      checks.push(context.lockfile.check(candidate.project, { version: candidate.version, filename: candidate.file.filename, sha256: download.digests.sha256!, signer, ...(context.role ? { for: context.role } : {}) }, context.lockOptions ?? { frozen: false, acceptNewSigner: false }));
    }
  } catch (error) {
    await rm(download.path, { force: true });
    throw error;
  }
  return new VerifiedArtifact(verifiedToken, {
    candidate,
    path: download.path,
    sha256: download.digests.sha256!,
    size: download.size,
    checks,
  });
}
