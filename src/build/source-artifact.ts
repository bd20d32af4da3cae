/**
 * What the build takes as its source: an sdist whose bytes were checked
 * before anything opens them. On the coordinator it is a `VerifiedArtifact`
 * (the verify stage's only product); on a build-farm worker, the file fetched
 * from the artifact store by the digest the coordinator verified, hashed
 * again on arrival (worker/store-artifact.ts). The build never fetches or
 * verifies anything itself.
 */
import type { SdistCandidate } from '../pep/index.types.js';

export interface SourceArtifact {
  readonly candidate: SdistCandidate;
  /** The checked file on disk. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}
