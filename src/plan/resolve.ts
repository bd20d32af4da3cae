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
import { markerEnvironment } from '../config/targets.js';
import { isProvided } from '../config/recipes.js';
import { IndexError, Pkg2osError } from '../errors.js';
import type { SdistCandidate } from '../index/index.types.js';
import { selectSdist } from '../index/select.js';
import type { Requirement } from '../pep/requirement.js';
import { requirementsFor } from '../pep/dependencies.js';
import { normalizeName } from '../pep/names.js';
import type { PlanItem, PlannedDependency, ResolveInput, ResolveNeeds, ResolvedPlan } from './plan.types.js';

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

export function resolve(input: ResolveInput): ResolveNeeds | ResolvedPlan {
  const env = markerEnvironment(input.target);
  let previous = new Map<string, SdistCandidate>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const needPages = new Set<string>();
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
      const recipe = input.recipes.get(req.project);
      if (input.formats.every((f) => isProvided(recipe, f))) continue;
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
        const drop = new Set((recipe?.dependencies?.drop ?? []).map(normalizeName));
        const deps = requirementsFor(metadata, env, extra, req.project).filter((d) => !drop.has(d.project));
        state.deps.set(extra, deps);
        if (input.noDeps) continue;
        // A dependency already expanded (a cycle, or a shared one) adds its constraint but is not expanded again.
        for (const dep of deps) {
          queue.push({ req: dep, chain: [...chain, `${state.candidate.project}${extra ? `[${extra}]` : ''} ${state.candidate.version} requires ${dep.text}`] });
        }
      }
    }
    if (needPages.size > 0 || needMeta.size > 0) return { kind: 'needs', pages: [...needPages], metadata: [...needMeta.values()] };

    // Every constraint is known: choose again with all of them.
    let changed = false;
    const chosen = new Map<string, SdistCandidate>();
    for (const state of states.values()) {
      const recipe = input.recipes.get(state.project);
      if (input.formats.every((f) => isProvided(recipe, f)) || failed.has(state.project)) continue;
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
    if (!changed) return { kind: 'plan', target: input.target, items: planItems(states, input, failed), failed: [...failed].map(([project, f]) => ({ project, ...f })) };
    previous = chosen;
  }
  throw new IndexError('RESOLUTION_CONFLICT', `The requirements did not settle on one version per project after ${MAX_ROUNDS} rounds.`, {
    hint: 'Pin the versions of the projects involved.',
  });
}

function satisfiesAll(candidate: SdistCandidate, page: import('../index/index.types.js').ProjectPage, state: ProjectState, input: ResolveInput): boolean {
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

function planItems(states: Map<string, ProjectState>, input: ResolveInput, failed: Map<string, unknown>): PlanItem[] {
  const items: PlanItem[] = [];
  for (const state of states.values()) {
    if (failed.has(state.project)) continue;
    const recipe = input.recipes.get(state.project) ?? {};
    const providedFor = input.formats.filter((f) => isProvided(recipe, f));
    const base = state.deps.get('') ?? [];
    const dependencies: PlannedDependency[] = base.map((d) => ({ project: d.project, specifier: d.specifier, source: d.text }));
    // What this package asks of its dependencies' extras is its own dependency too.
    for (const dep of base) {
      for (const extra of dep.extras) {
        for (const extraDep of states.get(dep.project)?.deps.get(extra) ?? []) {
          dependencies.push({ project: extraDep.project, specifier: extraDep.specifier, source: `${extraDep.text} (via ${dep.project}[${extra}])` });
        }
      }
    }
    items.push({
      target: input.target,
      project: state.project,
      candidate: providedFor.length === input.formats.length ? undefined : state.candidate,
      providedFor,
      extras: [...state.extras].sort(),
      requiredBy: state.constraints[0]!.chain,
      dependencies,
      recipe,
    });
  }
  return items.sort((a, b) => (a.project < b.project ? -1 : 1));
}
