/**
 * The verifier, as a list of steps. Each step checks one kind of evidence and
 * either adds a `Check` or throws; the result is a `VerifiedArtifact`.
 * (Signature and lockfile steps join this list in later issues.)
 */
import type { DownloadedFile } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import { verifyHash } from './hash.js';
import { type Check, VerifiedArtifact, verifiedToken } from './verified-artifact.js';

/** Verify a downloaded sdist; only what passes comes out as a `VerifiedArtifact`. */
export async function verifyArtifact(candidate: SdistCandidate, download: DownloadedFile): Promise<VerifiedArtifact> {
  const checks: Check[] = [];
  checks.push(await verifyHash(candidate, download));
  return new VerifiedArtifact(verifiedToken, {
    candidate,
    path: download.path,
    sha256: download.digests.sha256!,
    size: download.size,
    checks,
  });
}
