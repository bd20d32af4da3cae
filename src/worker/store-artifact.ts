/**
 * An sdist a build-farm coordinator verified, fetched by a worker from the
 * artifact store by that digest: the digest is the coordinator's verdict, and
 * the bytes are hashed again here before anything opens them. A worker never
 * sees the index and never verifies signatures itself: it has nothing to
 * verify them against, and needs nothing more than the digest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { SourceArtifact } from '../build/source-artifact.js';
import { IntegrityError } from '../errors.js';
import type { SdistCandidate } from '../pep/index.types.js';

export async function storeArtifact(candidate: SdistCandidate, path: string, sha256: string): Promise<SourceArtifact> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), async function* (chunks) {
    for await (const chunk of chunks) hash.update(chunk as Buffer);
  });
  const actual = hash.digest('hex');
  if (actual !== sha256) {
    await rm(path, { force: true });
    throw new IntegrityError('HASH_MISMATCH', `${candidate.file.filename} from the build farm's store has sha256 ${actual}, not the ${sha256} the coordinator verified.`, { hint: 'The store was changed under the farm; nothing of it was built.' });
  }
  return { candidate, path, sha256, size: (await stat(path)).size };
}
