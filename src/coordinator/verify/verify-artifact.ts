/**
 * The verifier, as a list of steps: hash → upstream signature → PEP 740
 * provenance → lockfile.
 * Each step adds a `Check` or throws; only what passes every step comes out
 * as a `VerifiedArtifact`, the one input the build stage accepts.
 */
import { readFile, rm } from 'node:fs/promises';
import type { ProvenancePolicy, SignaturePolicy } from '../../config/recipes.js';
import type { DownloadedFile } from '../index/index-client.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import { verifyHash } from './hash.js';
import type { LockEntry, LockOptions, Lockfile } from './lockfile.js';
import { type PublishedProvenance, verifyProvenanceStep } from './provenance.js';
import type { TrustedRootFile } from './trusted-root.js';
import { publisherOfChecks, signerOf } from './checks.js';
import { type PublishedSignature, verifySignatureStep } from './signature.js';
import type { PinnedKeys, PinnedPublishers } from './trust-store.js';
import { type Check, type VerifiedArtifact, issueVerifiedArtifact } from './verified-artifact.js';

export interface VerifyContext {
  policy: SignaturePolicy;
  provenancePolicy: ProvenancePolicy;
  provenance?: PublishedProvenance;
  publishers: PinnedPublishers;
  trustedRoot: () => Promise<TrustedRootFile>;
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
    checks.push(
      await verifyProvenanceStep({ project: candidate.project, filename: candidate.file.filename, sha256: download.digests.sha256!, policy: context.provenancePolicy, provenance: context.provenance, pinned: context.publishers, trustedRoot: context.trustedRoot }),
    );
    if (context.lockfile) {
      checks.push(context.lockfile.check(candidate.project, lockEntry(candidate, download.digests.sha256!, checks, context.role), context.lockOptions ?? { frozen: false, acceptNewSigner: false }));
    }
  } catch (error) {
    await rm(download.path, { force: true });
    throw error;
  }
  return issueVerifiedArtifact({
    candidate,
    path: download.path,
    sha256: download.digests.sha256!,
    size: download.size,
    checks,
  });
}

/** What the lockfile records of a verified file: its bytes, its signer and its publisher. */
export function lockEntry(candidate: SdistCandidate, sha256: string, checks: readonly Check[], role?: 'build'): LockEntry {
  const provenance = publisherOfChecks(checks);
  return {
    version: candidate.version,
    filename: candidate.file.filename,
    sha256,
    signer: signerOf(checks),
    ...(role ? { for: role } : {}),
    ...(provenance ? { publisher: provenance.publisher, source: { repository: provenance.repository, ref: provenance.ref, commit: provenance.commit } } : {}),
  };
}
