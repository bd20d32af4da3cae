/**
 * A worker's build of one job: the verified sdist, the build-requirement
 * wheels and the recipe's patches fetched from the artifact store by digest
 * (each checked), then exactly what a local build does — unpack defensively,
 * apply the recipe, make the build environment, build the wheel in the
 * sandbox on the target's root, validate it — and the wheel and its build
 * log put back. The worker has no key, no lockfile, no repository and no
 * index: everything it uses came through the store, named by its digest.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildLimits } from '../config/build-limits.js';
import type { LoadedRecipe } from '../config/recipes.js';
import { getTarget } from '../config/targets.js';
import type { SdistCandidate } from '../pep/index.types.js';
import type { Logger } from '../log.js';
import type { BuildRoots } from '../families/build-roots.js';
import { HOST_ROOT, type SandboxRoot } from '../box/sandbox.js';
import { BuildError } from '../errors.js';
import { materializeEnv } from '../build/build-env.js';
import type { BoxPolicy } from '../box/box.js';
import { type EnvironmentPlan, prepareArtifact } from '../build/prepare.js';
import { storeArtifact } from './store-artifact.js';
import { type ValidatedWheel, validateWheel } from '../build/validate-wheel.js';
import type { ArtifactStore } from '../farm/artifact-store.js';
import type { BuildJob, BuildResult } from '../farm/jobs.js';

export interface RemoteBuildContext {
  store: ArtifactStore;
  roots: BuildRoots;
  limits: BuildLimits;
  policy: BoxPolicy;
  /** This job's own work directory (removed by the caller). */
  work: string;
  logger: Logger;
  /** Targets this worker may build with its host's Python when it cannot make their root (--host-python). */
  hostPython: readonly string[];
}

/** The target's own root (with the recipe's build-depends); the host's only where the worker was told it may. */
async function buildRoot(job: BuildJob, context: RemoteBuildContext): Promise<SandboxRoot> {
  const target = getTarget(job.target);
  const extra = job.recipe.buildDepends ?? [];
  const root = await context.roots.rootFor(target, extra);
  if (root) return root;
  if (extra.length === 0 && context.hostPython.includes(target.name)) return HOST_ROOT;
  throw new BuildError('UNSUPPORTED_TARGET', `This worker cannot make a build root for ${target.name}${extra.length ? ` with ${extra.join(', ')}` : ''}.`, {
    hint: `Give it one (roots: in its pkg2os.config.yaml)${extra.length ? '' : `, or start it with --host-python ${target.name} to build pure Python with its host's Python`}.`,
  });
}

/** What a build put back into the store: the wheel and the log (the worker signs them for the job: worker.ts). */
export type BuildOutput = Pick<BuildResult, 'wheel' | 'log'>;

const candidateOf = (project: string, version: string, file: { filename: string; sha256: string }): SdistCandidate => ({
  project,
  version,
  file: { filename: file.filename, url: `pkg2os-store:${file.sha256}`, hashes: { sha256: file.sha256 }, yanked: false },
});

/** Build the wheel of `job`; the build log goes to the store whatever happens (its digest is in the result, or in the error). */
export async function buildFromJob(job: BuildJob, context: RemoteBuildContext): Promise<BuildOutput> {
  const { store, work } = context;
  const root = await buildRoot(job, context);
  const logFile = join(work, 'build.log');
  try {
    const sdistPath = join(work, 'download', job.sdist.filename);
    await store.get(job.sdist.sha256, sdistPath);
    const artifact = await storeArtifact(candidateOf(job.project, job.version, job.sdist), sdistPath, job.sdist.sha256);
    // The build environment exactly as the coordinator resolved it: its wheels, by digest, validated again here.
    const wheels: ValidatedWheel[] = [];
    for (const w of job.environment.wheels) {
      const path = join(work, 'wheels', w.filename);
      await store.get(w.sha256, path);
      wheels.push(await validateWheel(path, candidateOf(w.project, w.version, w), context.limits.wheel, `${w.project} ${w.version} (build requirement)`));
    }
    const plan: EnvironmentPlan = { requirements: [], wheels, key: job.environment.key };
    const recipe = await recipeOf(job, work, store);
    const prepared = await prepareArtifact(artifact, {
      recipe,
      dir: join(work, 'project'),
      logFile,
      goal: 'wheel',
      root,
      policy: context.policy,
      limits: context.limits,
      // The coordinator resolved everything this build needs: the environment is exactly its wheels.
      environments: {
        plan: async () => plan,
        materialize: async (p) => (p.wheels.length ? materializeEnv(p.key, p.wheels, { workDir: work, root, policy: context.policy, logFile }) : undefined),
      },
      logger: context.logger,
    });
    if (prepared.state === 'failed') throw prepared.error;
    if (prepared.state !== 'built') throw new Error(`${job.project} ${job.version} was prepared without its wheel`);
    const wheel = prepared.wheel;
    return { wheel: { filename: basename(wheel.path), sha256: await store.put(wheel.path) }, log: await putLog(store, logFile) };
  } catch (error) {
    (error as { logSha256?: string }).logSha256 = await putLog(store, logFile).catch(() => undefined);
    throw error;
  }
}

async function putLog(store: ArtifactStore, logFile: string): Promise<string> {
  await writeFile(logFile, '', { flag: 'a' });
  return store.put(logFile);
}

/** The recipe as the worker applies it: its environment, timeout and patches (fetched by digest into a directory of their own). */
async function recipeOf(job: BuildJob, work: string, store: ArtifactStore): Promise<LoadedRecipe> {
  const dir = join(work, 'recipe');
  await mkdir(dir, { recursive: true });
  const patches: string[] = [];
  for (const [i, p] of (job.recipe.patches ?? []).entries()) {
    const name = `${i}-${p.filename}`;
    await store.get(p.sha256, join(dir, name));
    patches.push(name);
  }
  return {
    file: join(dir, 'recipe.yaml'),
    ...(job.recipe.env ? { env: job.recipe.env } : {}),
    ...(job.recipe.buildTimeout ? { 'build-timeout': job.recipe.buildTimeout } : {}),
    ...(patches.length ? { patches } : {}),
    ...(job.recipe.optionalExtension ? { 'optional-extension': true } : {}),
  } as LoadedRecipe;
}

export async function removeWork(work: string): Promise<void> {
  await rm(work, { recursive: true, force: true });
}
