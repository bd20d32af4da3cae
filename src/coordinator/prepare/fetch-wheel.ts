/**
 * A build requirement's wheel from the index, verified exactly like an sdist:
 * the index's hash, the upstream signature against the keys pinned for the
 * project, the lockfile (recorded as a build requirement), then the wheel's
 * own validation. A wheel verified before (the same sha256 the index
 * publishes now) comes from the cache, its verdict checked again.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildLimits } from '../../config/build-limits.js';
import type { LoadedRecipe } from '../../config/recipes.js';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import type { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import type { UpstreamVerifier, Verdict } from '../verify/upstream-verifier.js';
import { type ValidatedWheel, validateWheel } from '../../build/validate-wheel.js';

export interface FetchedWheel {
  wheel: ValidatedWheel;
  verdict: Verdict;
}

export interface FetchWheelContext {
  client: IndexClient;
  verifier: UpstreamVerifier;
  recipe: LoadedRecipe;
  cache?: ContentCache;
  /** Where downloads go. */
  dir: string;
  limits: BuildLimits;
}

export async function fetchWheel(candidate: SdistCandidate, context: FetchWheelContext): Promise<FetchedWheel> {
  const label = `${candidate.project} ${candidate.version} (build requirement)`;
  const { verifier, recipe, cache } = context;
  const published = candidate.file.hashes.sha256;
  const trust = await verifier.trustKey(candidate.project, recipe);
  const key = published && cache ? cacheKey({ kind: 'wheel', sha256: published, recipe, trust }) : undefined;
  const hit = key ? await cache!.get<Verdict>('wheel', key) : undefined;
  if (hit) {
    const verdict = await verifier.fromCache(candidate, hit.meta, recipe, 'build');
    if (verdict) return { wheel: await validateWheel([...hit.files.values()][0]!, candidate, context.limits.wheel, label), verdict };
  }
  await mkdir(context.dir, { recursive: true });
  const download = await context.client.download(candidate.file, join(context.dir, candidate.file.filename));
  const artifact = await verifier.fromBytes(candidate, download, recipe, 'build');
  const wheel = await validateWheel(artifact.path, candidate, context.limits.wheel, label);
  const verdict: Verdict = { sha256: artifact.sha256, size: artifact.size, checks: [...artifact.checks] };
  if (cache) await cache.put<Verdict>('wheel', cacheKey({ kind: 'wheel', sha256: artifact.sha256, recipe, trust }), verdict, [artifact.path]);
  return { wheel, verdict };
}
