/**
 * Building in the box: a checked sdist and its inputs (recipe, build
 * environment, root, limits) → its requirements and, when packages will be
 * built, its validated wheel. The same code serves the coordinator (on an
 * artifact its verify stage made) and a build-farm worker (on an artifact it
 * fetched by the digest the coordinator verified): it needs neither an index
 * client nor a verifier. Nothing of the sdist runs but in the box.
 *
 * A preparation is in one of three states: `metadata` (its requirements are
 * known, no wheel was asked for), `built` (its wheel is validated), or
 * `failed` (its wheel failed, but static PEP 643 metadata still says what it
 * requires, so the closure is planned anyway and the failure kept for the
 * build stage).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildLimits } from '../config/build-limits.js';
import { parseDuration } from '../config/duration.js';
import type { LoadedRecipe } from '../config/recipes.js';
import { Pkg2osError } from '../errors.js';
import { type Logger, reportStep } from '../log.js';
import { Box, type BoxPolicy } from '../box/box.js';
import type { WheelBuild } from '../box/build-box.js';
import { buildWheel, requiresForBuildWheel, sourceRequirements, staticRequirements } from '../box/build-wheel.js';
import type { SandboxRoot } from '../box/sandbox.js';
import { applyRecipe } from './apply-recipe.js';
import { readBuildSystem } from './build-system.js';
import type { SourceArtifact } from './source-artifact.js';
import { sourceDateEpoch } from './source-date.js';
import { unpackSdist } from './unpack.js';
import { type ValidatedWheel, validateWheel } from './validate-wheel.js';
import { nativeSources, refuseLostExtension } from './native-sources.js';

/** A build environment as the build needs it: its identity and the verified wheels it holds (none: the distribution provides everything). */
export interface EnvironmentPlan {
  key: string;
  wheels: ValidatedWheel[];
  /** What was chosen and why, as far as a build log should say. */
  requirements: ReadonlyArray<{ project?: string; version?: string; source?: string; reason?: string; note?: string }>;
}

/** Resolves build requirements into a plan and, when asked, makes its environment. */
export interface BuildEnvironments<P extends EnvironmentPlan = EnvironmentPlan> {
  /** `policy`: how this project's recipe says its build requirements are chosen (newest, distribution-first). */
  plan(requirements: readonly string[], chain: readonly string[], label: string, policy?: 'newest' | 'distribution-first'): Promise<P>;
  /** The environment's prefix on the host, or undefined when the distribution provides everything. */
  materialize(plan: P): Promise<string | undefined>;
}

interface Prepared<A extends SourceArtifact> {
  artifact: A;
  sourceDateEpoch: number;
  /** This project's work directory (its build box is box/). */
  dir: string;
  logFile: string;
  requiresDist: string[];
  /** Its build requirements (declared and asked for by the backend). */
  buildRequires: string[];
}

export type PreparedSdist<A extends SourceArtifact = SourceArtifact, P extends EnvironmentPlan = EnvironmentPlan> =
  /** Requirements known; no wheel was asked for (a plan-only run, or a farm coordinator that ships the plan to a worker). */
  | (Prepared<A> & { state: 'metadata'; build?: P })
  /** Its wheel is built and validated. */
  | (Prepared<A> & { state: 'built'; build: P; wheel: ValidatedWheel })
  /** Its wheel failed, but its static metadata says what it requires. */
  | (Prepared<A> & { state: 'failed'; build?: P; error: Pkg2osError });

/** What to make of an sdist: its requirements only, also its build plan, or its wheel. */
export type PrepareGoal = 'metadata' | 'plan' | 'wheel';

export interface PrepareContext<P extends EnvironmentPlan = EnvironmentPlan> {
  recipe: LoadedRecipe;
  /** The work directory for this sdist. */
  dir: string;
  /** Its build log; it appears when the first tool runs. */
  logFile: string;
  goal: PrepareGoal;
  /** The root builds run on, and what contains them (a recipe's build-timeout wins). */
  root: SandboxRoot;
  policy: BoxPolicy;
  limits: BuildLimits;
  environments: BuildEnvironments<P>;
  /** Build requirements being built around this one (it is one of them when this is set). */
  chain?: string[];
  logger: Logger;
}

/** Unpack, apply the recipe, resolve its build requirements, build and validate its wheel (as far as `goal` asks). */
export async function prepareArtifact<A extends SourceArtifact, P extends EnvironmentPlan>(artifact: A, context: PrepareContext<P>): Promise<PreparedSdist<A, P>> {
  const { dir, logFile, recipe, logger } = context;
  const candidate = artifact.candidate;
  const label = `${candidate.project} ${candidate.version}`;
  const boxDir = join(dir, 'box');
  await mkdir(join(boxDir, 'src'), { recursive: true });
  const sourceDir = await unpackSdist(artifact, join(boxDir, 'src'));
  const epoch = await sourceDateEpoch(sourceDir);
  const timeout = recipe['build-timeout'] ? parseDuration(recipe['build-timeout'], `build-timeout in ${recipe.file}`) : undefined;
  const box = new Box(boxDir, context.root, logFile, context.policy).with({ wallSeconds: timeout });
  const build: WheelBuild = { box, sourceDir: `/build/src/${basename(sourceDir)}`, sourceDateEpoch: epoch, env: recipe.env, label };
  const base: Prepared<A> = { artifact, sourceDateEpoch: epoch, dir, logFile, requiresDist: [], buildRequires: [] };
  const fromPkgInfo = staticRequirements(await readFile(join(sourceDir, 'PKG-INFO'), 'utf8').catch(() => ''));
  let plan: P | undefined;
  try {
    await applyRecipe(recipe, build);
    // Requirements known without running anything need no build environment (a plan-only run).
    if (context.goal === 'metadata' && fromPkgInfo) return { ...base, state: 'metadata', requiresDist: fromPkgInfo };
    reportStep(logger, label, { phase: 'build-requirements' });
    const system = await readBuildSystem(sourceDir, label);
    const chain = context.chain ?? [candidate.project];
    base.buildRequires = system.requires;
    plan = await context.environments.plan(base.buildRequires, chain, label, recipe['build-requirements']);
    build.envDir = await context.environments.materialize(plan);
    const asked = await requiresForBuildWheel(build);
    if (asked.some((r) => !base.buildRequires.includes(r))) {
      base.buildRequires = [...new Set([...base.buildRequires, ...asked])];
      plan = await context.environments.plan(base.buildRequires, chain, label, recipe['build-requirements']);
      build.envDir = await context.environments.materialize(plan);
    }
    for (const r of plan.requirements.filter((r) => r.note)) logger.info(`${label}: ${r.note}`);
    const chosen = plan.requirements.filter((r) => r.project);
    if (chosen.length) await appendFile(logFile, `[pkg2os] build requirements of ${label}:\n${chosen.map((r) => `  ${r.project} ${r.version} from ${r.source}${r.reason ? `: ${r.reason}` : ''}`).join('\n')}\n`).catch(() => undefined);
    if (context.goal !== 'wheel') return { ...base, state: 'metadata', requiresDist: fromPkgInfo ?? (await sourceRequirements(build, sourceDir)), build: plan };
    reportStep(logger, label, { phase: 'wheel' });
    const wheel = await validateWheel(await buildWheel(build, join(dir, 'wheel')), candidate, context.limits.wheel, label);
    for (const warning of wheel.metadata.warnings) logger.warn(`${label}: ${warning}`);
    // C, C++ or Cython code in, a pure wheel out: its extension was lost on the way (a missing header, swallowed).
    // Only for what is packaged: a build requirement's wheel serves one build environment, and is not shipped.
    if (wheel.pure && !recipe['optional-extension'] && !context.chain) {
      const native = await nativeSources(sourceDir);
      if (native.length) throw await refuseLostExtension(label, native, logFile);
    }
    reportStep(logger, label, { phase: 'waiting' });
    return { ...base, state: 'built', requiresDist: wheel.metadata.requiresDist, build: plan, wheel };
  } catch (error) {
    // A failed build says which backends it ran with: the versions are often the cause.
    const ran = plan?.requirements.filter((r) => r.project);
    if (error instanceof Pkg2osError && ran?.length && /^(BUILD_FAILED|BUILD_TIMEOUT|EXTENSION_MISSING)$/.test(error.code)) {
      error.message = `${error.message.replace(/\.$/, '')} (built with ${ran.map((r) => `${r.project} ${r.version} from ${r.source === 'distribution' || r.source === 'bootstrap' ? 'the build root' : 'the index'}`).join(', ')}).`;
    }
    // Static metadata (PEP 643) says what it requires even when its wheel cannot be built: plan the closure anyway.
    if (error instanceof Pkg2osError && fromPkgInfo && !context.chain) return { ...base, state: 'failed', requiresDist: fromPkgInfo, build: plan, error };
    throw error;
  }
}
