/**
 * The resolver: requirements + index pages + core metadata + recipes → a
 * build plan, for one target. Pure and synchronous: when it lacks a page or
 * a candidate's metadata it says so (`needs`), the caller fetches them and
 * calls it again. For every project it chooses the newest version that
 * satisfies every constraint collected so far (PEP 508 markers evaluated for
 * the target, extras followed); if a later constraint rules the choice out,
 * it chooses again until nothing changes. A conflict is an error that shows
 * the chains of requirements that caused it. Cycles are fine: each project
 * is expanded once per extra.
 */
import { markerEnvironment } from '../../config/targets.js';
import { familyOf } from '../../families/registry.js';
import { type LoadedRecipe, isProvided, packageNameFor, recipeForFamily, recipeName } from '../../config/recipes.js';
import { satisfies, valid } from '@renovatebot/pep440';
import { IndexError, Pkg2osError } from '../../errors.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import { selectSdist } from '../index/select.js';
import type { Requirement } from '../../pep/requirement.js';
import { requirementsFor } from '../../pep/dependencies.js';
import { normalizeName } from '../../pep/names.js';
import { type PlanItem, type PlannedDependency, type ResolveInput, type ResolveNeeds, type ResolvedPlan, itemId } from './plan.types.js';

interface Constraint {
  specifier: string;
  chain: string[];
}

interface ProjectState {
  project: string;
  name: string;
  constraints: Constraint[];
  extras: Set<string>;
  expanded: Set<string>;
  candidate?: SdistCandidate;
  /** Dependencies by the extra that brought them ('' for the base). */
  deps: Map<string, Requirement[]>;
}

const MAX_ROUNDS = 50;

function combined(constraints: Constraint[]): string {
  return constraints.map((c) => c.specifier).filter(Boolean).join(', ');
}

/**
 * The PEP 440 version a distribution package stands for: its upstream part
 * ("3:3.2.25-0+deb12u7" → "3.2.25", "2.0~rc1-2" → "2.0rc1", "1.0+dfsg-1" → "1.0"),
 * or undefined when that is no PEP 440 version.
 */
export function distributionUpstream(version: string): string | undefined {
  const upstream = version.replace(/^\d+:/, '').replace(/-[^-]*$/, '').replace(/[+~](dfsg|ds|really|repack).*$/i, '').replace(/~/g, '');
  return valid(upstream) !== null ? upstream : undefined;
}

export function resolve(input: ResolveInput): ResolveNeeds | ResolvedPlan {
  const env = markerEnvironment(input.target);
  const family = familyOf(input.target);
  const format = family.format;
  // Each project's recipe as it applies to this target's family (its overrides: for the family).
  const recipeOf = (project: string): LoadedRecipe => {
    const recipe = recipeForFamily(input.recipes.get(project) ?? {}, family.name);
    // The distribution's own name for the project, from its release data, where no recipe names one.
    const known = input.distributionNames?.get(project);
    return known && recipeName(recipe, format) === undefined && !isProvided(recipe, format) ? { ...recipe, 'provided-by': { [format]: known } } : recipe;
  };
  const roots = new Set(input.roots.map((r) => r.project));
  /** Projects a recipe says the distribution provides, which must be built anyway: named on the command line, or the distribution's version does not satisfy. */
  const mustBuild = new Set<string>(roots);
  const mapped = (project: string) => isProvided(recipeOf(project), format) && !mustBuild.has(project);
  let previous = new Map<string, SdistCandidate>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const needPages = new Set<string>();
    const needDistro = new Set<string>();
    const needMeta = new Map<string, SdistCandidate>();
    const failed = new Map<string, { error: Pkg2osError; requiredBy: string[]; version?: string }>();
    const states = new Map<string, ProjectState>();
    const queue: Array<{ req: Requirement; chain: string[] }> = input.roots.map((req) => ({ req, chain: [req.text] }));
    while (queue.length > 0) {
      const { req, chain } = queue.shift()!;
      const state: ProjectState = states.get(req.project) ?? { project: req.project, name: req.name, constraints: [], extras: new Set<string>(), expanded: new Set<string>(), deps: new Map() };
      states.set(req.project, state);
      state.constraints.push({ specifier: req.specifier, chain });
      for (const extra of req.extras) state.extras.add(extra);
      if (mapped(req.project)) continue;
      if (!state.candidate) {
        const page = input.pages.get(req.project);
        if (!page) {
          const pageError = input.failedPages.get(req.project);
          if (pageError) {
            if (!failed.has(req.project)) failed.set(req.project, { error: pageError, requiredBy: chain });
          } else needPages.add(req.project);
          continue;
        }
        const prior = previous.get(req.project);
        const all = combined(state.constraints);
        if (prior && satisfiesAll(prior, page, state, input)) state.candidate = prior;
        else {
          try {
            state.candidate = selectSdist(page, { ...req, specifier: all }, { pythonFullVersion: input.target.pythonFullVersion, pre: input.pre });
          } catch {
            continue; // reported as a conflict after the traversal, with every chain
          }
        }
      }
      const isRoot = chain.length === 1;
      if (input.noDeps && !isRoot) continue;
      const metadata = input.metadata.get(state.candidate.file.url);
      if (metadata === undefined) {
        needMeta.set(state.candidate.file.url, state.candidate);
        continue;
      }
      if (metadata instanceof Pkg2osError) {
        if (!failed.has(req.project)) failed.set(req.project, { error: metadata, requiredBy: chain, version: state.candidate.version });
        continue;
      }
      for (const extra of ['', ...state.extras]) {
        if (state.expanded.has(extra)) continue;
        state.expanded.add(extra);
        // A recipe's dropped dependencies are neither followed nor depended on.
        const drop = new Set((recipeOf(req.project).dependencies?.drop ?? []).map(normalizeName));
        const deps = requirementsFor(metadata, env, extra, req.project).filter((d) => !drop.has(d.project));
        state.deps.set(extra, deps);
        if (input.noDeps) continue;
        // A dependency already expanded (a cycle, or a shared one) adds its constraint but is not expanded again.
        for (const dep of deps) {
          queue.push({ req: dep, chain: [...chain, `${state.candidate.project}${extra ? `[${extra}]` : ''} ${state.candidate.version} requires ${dep.text}`] });
        }
      }
    }
    // A mapping stands only when the distribution's version, for this target, satisfies every constraint.
    let remapped = false;
    for (const state of states.values()) {
      if (!mapped(state.project)) continue;
      const version = input.distributionVersions.get(packageNameFor(state.project, recipeOf(state.project), format));
      if (version === undefined) {
        needDistro.add(packageNameFor(state.project, recipeOf(state.project), format));
        continue;
      }
      const spec = combined(state.constraints).replace(/, /g, ',');
      const upstream = version === null ? undefined : distributionUpstream(version);
      const ok = spec === '' || (upstream !== undefined && satisfies(upstream, spec, { prereleases: true }));
      if (!ok) {
        mustBuild.add(state.project);
        remapped = true;
      }
    }
    if (needPages.size > 0 || needMeta.size > 0 || needDistro.size > 0) return { kind: 'needs', pages: [...needPages], metadata: [...needMeta.values()], distributionPackages: [...needDistro] };
    if (remapped) continue;

    // Every constraint is known: choose again with all of them.
    let changed = false;
    const chosen = new Map<string, SdistCandidate>();
    for (const state of states.values()) {
      if (mapped(state.project) || failed.has(state.project)) continue;
      const page = input.pages.get(state.project)!;
      let best: SdistCandidate;
      try {
        best = selectSdist(page, { name: state.name, project: state.project, extras: [], specifier: combined(state.constraints), text: state.name }, { pythonFullVersion: input.target.pythonFullVersion, pre: input.pre });
      } catch (error) {
        throw conflict(state, input, error);
      }
      chosen.set(state.project, best);
      if (!state.candidate || best.file.url !== state.candidate.file.url) changed = true;
    }
    if (!changed) return { kind: 'plan', target: input.target, items: planItems(states, input, failed, mapped, recipeOf), failed: [...failed].map(([project, f]) => ({ project, ...f })) };
    previous = chosen;
  }
  throw new IndexError('RESOLUTION_CONFLICT', `The requirements did not settle on one version per project after ${MAX_ROUNDS} rounds.`, {
    hint: 'Pin the versions of the projects involved.',
  });
}

function satisfiesAll(candidate: SdistCandidate, page: import('../../pep/index.types.js').ProjectPage, state: ProjectState, input: ResolveInput): boolean {
  try {
    const best = selectSdist({ ...page, files: [candidate.file] }, { name: state.name, project: state.project, extras: [], specifier: combined(state.constraints), text: state.name }, { pythonFullVersion: input.target.pythonFullVersion, pre: true });
    return best.file.url === candidate.file.url;
  } catch {
    return false;
  }
}

function conflict(state: ProjectState, input: ResolveInput, cause: unknown): IndexError {
  const chains = state.constraints.map((c) => `  ${c.chain.join(' → ')}${c.specifier ? '' : ' (any version)'}`);
  const unique = [...new Set(chains)];
  return new IndexError('RESOLUTION_CONFLICT', `No version of ${state.name} satisfies every requirement for ${input.target.name} (${combined(state.constraints) || 'any version'}). The requirements come from:\n${unique.join('\n')}`, {
    hint: `Pin compatible versions of the projects in these chains, or change the requirement. (${(cause as Error).message})`,
    cause,
  });
}

function planItems(states: Map<string, ProjectState>, input: ResolveInput, failed: Map<string, unknown>, mapped: (project: string) => boolean, recipeOf: (project: string) => LoadedRecipe): PlanItem[] {
  const items: PlanItem[] = [];
  for (const state of states.values()) {
    if (failed.has(state.project)) continue;
    const recipe = recipeOf(state.project);
    const base = state.deps.get('') ?? [];
    const nameOf = (project: string) => packageNameFor(project, recipeOf(project), familyOf(input.target).format);
    const dependencies: PlannedDependency[] = base.map((d) => ({ project: d.project, package: nameOf(d.project), specifier: d.specifier, source: d.text }));
    // What this package asks of its dependencies' extras is its own dependency too.
    for (const dep of base) {
      for (const extra of dep.extras) {
        for (const extraDep of states.get(dep.project)?.deps.get(extra) ?? []) {
          dependencies.push({ project: extraDep.project, package: nameOf(extraDep.project), specifier: extraDep.specifier, source: `${extraDep.text} (via ${dep.project}[${extra}])` });
        }
      }
    }
    const common = { id: itemId(input.target.name, state.project), target: input.target, project: state.project, extras: [...state.extras].sort(), requiredBy: state.constraints[0]!.chain, dependencies, recipe };
    if (mapped(state.project)) {
      const pkg = packageNameFor(state.project, recipe, familyOf(input.target).format);
      items.push({ ...common, kind: 'provided', package: pkg, version: input.distributionVersions.get(pkg) ?? null });
    } else if (state.candidate) items.push({ ...common, kind: 'build', candidate: state.candidate });
  }
  return items.sort((a, b) => (a.project < b.project ? -1 : 1));
}
