/**
 * The build requirements of a run: one resolver for every sdist (so a
 * backend is fetched, verified or built once however many projects need it),
 * the build root's Python as the distribution provides it, build-requirement
 * sdists prepared like any other (in the sandbox, their own requirements
 * resolved the same way) and kept in the cache as wheels.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildInputs } from '../cache/build-inputs.js';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import type { BuildLimits } from '../config/build-limits.js';
import type { LoadedRecipe } from '../config/recipes.js';
import { TARGETS, markerEnvironment } from '../config/targets.js';
import type { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import type { Logger } from '../log.js';
import { rootPython } from '../sandbox/root-python.js';
import type { SandboxRoot } from '../sandbox/sandbox.js';
import { materializeEnv } from '../sdist/build-env.js';
import { type BuildPlan, BuildRequirementResolver } from '../sdist/build-requirements.js';
import { type FetchedWheel, fetchWheel } from '../sdist/fetch-wheel.js';
import { type BuildEnvironments, prepareSdist } from '../sdist/prepare.js';
import type { UpstreamVerifier, Verdict } from '../verify/upstream-verifier.js';
import { validateWheel } from '../wheel/validate-wheel.js';

export interface EnvironmentsOptions {
  client: IndexClient;
  verifier: UpstreamVerifier;
  recipe: (project: string) => Promise<LoadedRecipe>;
  cache?: ContentCache;
  inputs: BuildInputs;
  workDir: string;
  root: SandboxRoot;
  limits: BuildLimits;
  logFile: (candidate: SdistCandidate) => string;
  logger: Logger;
}

/** "Debian 12", from the root's os-release. */
async function distributionName(root: SandboxRoot): Promise<string> {
  const text = await readFile(join(root.kind === 'host' ? '/' : root.path, 'etc/os-release'), 'utf8').catch(() => '');
  const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
  const id = field('ID');
  return id ? `${id.charAt(0).toUpperCase()}${id.slice(1)} ${field('VERSION_ID') ?? ''}`.trim() : 'the build root';
}

export function buildEnvironments(options: EnvironmentsOptions): BuildEnvironments {
  let resolver: Promise<BuildRequirementResolver> | undefined;
  const built = new Map<string, Promise<FetchedWheel>>();
  const get = () => {
    resolver ??= (async () => {
      const python = await rootPython(options.root, options.workDir, options.limits.sandbox);
      const markers = markerEnvironment({ ...TARGETS['debian-12']!, pythonVersion: python.version, pythonFullVersion: python.fullVersion });
      const distribution = await distributionName(options.root);
      return new BuildRequirementResolver({
        client: options.client,
        recipe: options.recipe,
        cache: options.cache,
        python: { fullVersion: python.fullVersion, markers, distributions: python.distributions, distribution },
        rootIdentity: cacheKey({ root: options.root, python: python.fullVersion, distributions: [...python.distributions].sort() }),
        fetchWheel: (candidate, recipe) => fetchWheel(candidate, { client: options.client, verifier: options.verifier, recipe, cache: options.cache, dir: join(options.workDir, 'build-wheels'), limits: options.limits }),
        buildFromSdist: (candidate, chain) => {
          let wheel = built.get(candidate.file.url);
          if (!wheel) {
            wheel = buildRequirement(candidate, chain);
            built.set(candidate.file.url, wheel);
          }
          return wheel;
        },
      });
    })();
    return resolver;
  };

  /** A build requirement built from its sdist, once (the cache keeps the wheel with its verdict). */
  const buildRequirement = async (candidate: SdistCandidate, chain: string[]): Promise<FetchedWheel> => {
    const recipe = await options.recipe(candidate.project);
    const label = `${candidate.project} ${candidate.version} (build requirement)`;
    const trust = await options.verifier.trustKey(candidate.project, recipe);
    const key = candidate.file.hashes.sha256 && options.cache ? cacheKey({ kind: 'built-wheel', sha256: candidate.file.hashes.sha256, recipe, trust, environment: await options.inputs.identity(), root: options.root }) : undefined;
    const hit = key ? await options.cache!.get<Verdict>('built-wheel', key) : undefined;
    if (hit) {
      const verdict = await options.verifier.fromCache(candidate, hit.meta, recipe, 'build');
      if (verdict) return { wheel: await validateWheel([...hit.files.values()][0]!, candidate, options.limits.wheel, label), verdict };
    }
    const prepared = await prepareSdist(candidate, {
      client: options.client,
      verifier: options.verifier,
      recipe,
      dir: join(options.workDir, 'build-requirements', `${candidate.project}-${candidate.version}`),
      logFile: options.logFile(candidate),
      buildWheel: true,
      root: options.root,
      limits: options.limits,
      environments: self,
      chain,
      logger: options.logger,
    });
    const verdict: Verdict = { sha256: prepared.artifact.sha256, size: prepared.artifact.size, checks: [...prepared.artifact.checks] };
    if (key) await options.cache!.put<Verdict>('built-wheel', key, verdict, [prepared.wheel!.path]);
    return { wheel: prepared.wheel!, verdict };
  };

  const self: BuildEnvironments = {
    plan: async (requirements, chain, label) => (await get()).plan(requirements, chain, label),
    materialize: async (plan: BuildPlan) => (plan.wheels.length === 0 ? undefined : materializeEnv(plan.key, plan.wheels, { workDir: options.workDir, cache: options.cache, root: options.root, limits: options.limits })),
  };
  return self;
}
