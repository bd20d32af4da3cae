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
import type { BuildLimits } from '../../config/build-limits.js';
import type { LoadedRecipe } from '../../config/recipes.js';
import { pythonMarkers } from '../../config/targets.js';
import type { BoxPolicy } from '../../box/box.js';
import type { IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import type { Logger } from '../../log.js';
import { rootPython } from '../../box/root-python.js';
import type { SandboxRoot } from '../../box/sandbox.js';
import { type EnvironmentStore, materializeEnv } from '../../build/build-env.js';
import { type BuildPlan, BuildRequirementResolver } from '../prepare/build-requirements.js';
import { type FetchedWheel, fetchWheel } from '../prepare/fetch-wheel.js';
import type { BuildEnvironments } from '../../build/prepare.js';
import { prepareFromIndex } from '../prepare/fetch-sdist.js';
import type { UpstreamVerifier, Verdict } from '../verify/upstream-verifier.js';
import { validateWheel } from '../../build/validate-wheel.js';

export interface EnvironmentsOptions {
  client: IndexClient;
  verifier: UpstreamVerifier;
  recipe: (project: string) => Promise<LoadedRecipe>;
  cache?: ContentCache;
  inputs: BuildInputs;
  workDir: string;
  root: SandboxRoot;
  policy: BoxPolicy;
  limits: BuildLimits;
  logFile: (candidate: SdistCandidate) => string;
  logger: Logger;
  /** Build requirements taken from the index at these versions (BuildRequest.buildPins). */
  pins?: ReadonlyMap<string, string>;
  /** How build requirements are chosen (the configuration's; a recipe's wins). */
  requirementPolicy?: 'newest' | 'distribution-first';
}

/** "Debian 12", from the root's os-release. */
async function distributionName(root: SandboxRoot): Promise<string> {
  const text = await readFile(join(root.kind === 'host' ? '/' : root.path, 'etc/os-release'), 'utf8').catch(() => '');
  const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
  const id = field('ID');
  return id ? `${id.charAt(0).toUpperCase()}${id.slice(1)} ${field('VERSION_ID') ?? ''}`.trim() : 'the build root';
}

export function buildEnvironments(options: EnvironmentsOptions): BuildEnvironments<BuildPlan> {
  let resolver: Promise<BuildRequirementResolver> | undefined;
  const built = new Map<string, Promise<FetchedWheel>>();
  const get = () => {
    resolver ??= (async () => {
      const python = await rootPython(options.root, options.workDir, options.policy);
      const markers = pythonMarkers(python.version, python.fullVersion);
      const distribution = await distributionName(options.root);
      return new BuildRequirementResolver({
        client: options.client,
        recipe: options.recipe,
        cache: options.cache,
        python: { fullVersion: python.fullVersion, markers, distributions: python.distributions, distribution },
        rootIdentity: cacheKey({ root: options.root, python: python.fullVersion, distributions: [...python.distributions].sort() }),
        ...(options.pins ? { pins: options.pins } : {}),
        ...(options.requirementPolicy ? { policy: options.requirementPolicy } : {}),
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
    const prepared = await prepareFromIndex(candidate, {
      client: options.client,
      verifier: options.verifier,
      recipe,
      role: 'build',
      dir: join(options.workDir, 'build-requirements', `${candidate.project}-${candidate.version}`),
      logFile: options.logFile(candidate),
      goal: 'wheel',
      root: options.root,
      policy: options.policy,
      limits: options.limits,
      environments: self,
      chain,
      logger: options.logger,
    });
    // A build requirement's own failure is thrown (its chain is set): a preparation here is built.
    if (prepared.state !== 'built') throw new Error(`${label} was prepared without its wheel`);
    const verdict: Verdict = { sha256: prepared.artifact.sha256, size: prepared.artifact.size, checks: [...prepared.artifact.checks] };
    if (key) await options.cache!.put<Verdict>('built-wheel', key, verdict, [prepared.wheel.path]);
    return { wheel: prepared.wheel, verdict };
  };

  const store = options.cache ? environmentStore(options.cache) : undefined;
  const self: BuildEnvironments<BuildPlan> = {
    plan: async (requirements, chain, label, policy) => (await get()).plan(requirements, chain, label, policy),
    materialize: async (plan) => (plan.wheels.length === 0 ? undefined : materializeEnv(plan.key, plan.wheels, { workDir: options.workDir, store, root: options.root, policy: options.policy })),
  };
  return self;
}

/** Made build environments, kept in the cache as tarballs (authenticated like every entry). */
function environmentStore(cache: ContentCache): EnvironmentStore {
  return {
    get: async (key) => (await cache.get<{ wheels: string[] }>('build-env', key))?.files.get('env.tar'),
    put: async (key, wheels, tarball) => {
      await cache.put('build-env', key, { wheels }, [{ name: 'env.tar', data: tarball }]);
    },
  };
}
