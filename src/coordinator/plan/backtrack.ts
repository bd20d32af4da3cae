/**
 * A backtracking resolver, generic over where candidates and their
 * dependencies come from (the runtime closure: sdists on the index and the
 * distribution's packages; build requirements: wheels, sdists and the build
 * root's packages). Projects are decided in the order they are discovered;
 * each gets the provider's best candidate that satisfies every constraint
 * collected so far, and its dependencies add constraints. When no candidate
 * is left for a project, or a new constraint rules out a decided one, the
 * resolver jumps back to the most recent decision that constrained that
 * project (conflict-directed backjumping; when that decision has no other
 * candidate, further back, one decision at a time) and tries the next
 * candidate there. A provider that lacks data (an index page, a
 * candidate's metadata) answers NEED: the resolver goes as far as it can
 * without it and returns everything it needs at once, and is run again once
 * the caller has it — it is deterministic, so the run repeats every
 * decision up to there. Without a solution, the conflict is reported with the
 * chain of requirements behind every constraint involved.
 */
import { satisfies } from '@renovatebot/pep440';
import type { Requirement } from '../../pep/requirement.js';

/** What a provider answers when it needs data it does not have yet. */
export const NEED: unique symbol = Symbol('need');
export type Need = typeof NEED;

/** A constraint on a project: its specifier, the requirement chain it came by, and the project whose candidate imposed it (none: a root). */
export interface Constraint {
  specifier: string;
  chain: string[];
  from?: string;
}

export interface Provider<C> {
  /** The candidates of `project` that satisfy `specifier`, best first (possibly none); NEED when its page is not known yet. */
  candidates(project: string, specifier: string, constraints: readonly Constraint[]): C[] | Need | Promise<C[] | Need>;
  /** Whether a decided candidate still satisfies `specifier` (a constraint that came after it was chosen). */
  satisfies(candidate: C, specifier: string): boolean;
  /** The dependencies of `candidate` for `extra` ('' for the base); NEED when its metadata is not known yet; an Error when it cannot be had (the project fails, its dependents with it). */
  dependencies(project: string, candidate: C, extra: string): Requirement[] | Need | Error | Promise<Requirement[] | Need | Error>;
  /** How a candidate is named in chains ("django 3.2.25", for `extra`: "django[argon2] 3.2.25"). */
  describe(project: string, candidate: C, extra: string): string;
  /** Whether the dependencies of this project are followed (false: --no-deps below the roots). */
  follow?(project: string): boolean;
  /** A project with nothing to decide (the provider keeps it out, e.g. its page failed): an Error, else undefined. */
  unavailable?(project: string): Error | undefined;
  /** Asked when `project` is in conflict, before going back: NEED when the provider could offer more candidates once it has more data. */
  widen?(project: string): Need | undefined;
}

export interface Decided<C> {
  candidate: C;
  constraints: Constraint[];
  extras: Set<string>;
  /** Its dependencies by the extra that brought them ('' for the base), as the provider gave them. */
  dependencies: Map<string, Requirement[]>;
  /** Set when its dependencies could not be had: it fails, and what depends on it. */
  failure?: Error;
}

export type Resolution<C> =
  | { kind: 'resolved'; decided: Map<string, Decided<C>>; order: string[]; unavailable: Map<string, { error: Error; constraints: Constraint[] }> }
  | { kind: 'needs' };

/** No candidate of `project` satisfies its constraints, whatever else was tried. */
export class ResolutionConflict extends Error {
  constructor(
    readonly project: string,
    readonly constraints: Constraint[],
    /** How many decisions were taken back before giving up. */
    readonly backtracks: number,
  ) {
    super(`no version of ${project} satisfies ${combined(constraints) || 'any version'}`);
  }
}

export function combined(constraints: readonly Constraint[]): string {
  return [...new Set(constraints.map((c) => c.specifier.replace(/\s+/g, '')).filter(Boolean))].join(',');
}

interface Pin<C> {
  candidate: C;
  /** The extras whose dependencies were added. */
  expanded: Set<string>;
  dependencies: Map<string, Requirement[]>;
  failure?: Error;
}

interface State<C> {
  constraints: Map<string, Constraint[]>;
  extras: Map<string, Set<string>>;
  pins: Map<string, Pin<C>>;
  /** Projects in the order they were first required. */
  order: string[];
}

interface Decision<C> {
  project: string;
  /** The candidates not tried yet, best first. */
  rest: C[];
  before: State<C>;
}

function clone<C>(s: State<C>): State<C> {
  return {
    constraints: new Map([...s.constraints].map(([k, v]) => [k, [...v]])),
    extras: new Map([...s.extras].map(([k, v]) => [k, new Set(v)])),
    pins: new Map([...s.pins].map(([k, p]) => [k, { ...p, expanded: new Set(p.expanded), dependencies: new Map(p.dependencies) }])),
    order: [...s.order],
  };
}

function addRequirement<C>(state: State<C>, req: Requirement, chain: string[], from?: string): void {
  if (!state.constraints.has(req.project)) {
    state.constraints.set(req.project, []);
    state.order.push(req.project);
  }
  state.constraints.get(req.project)!.push({ specifier: req.specifier, chain, ...(from ? { from } : {}) });
  const extras = state.extras.get(req.project) ?? new Set<string>();
  for (const e of req.extras) extras.add(e);
  state.extras.set(req.project, extras);
}

export async function backtrack<C>(roots: readonly Requirement[], provider: Provider<C>, options: { maxBacktracks?: number } = {}): Promise<Resolution<C>> {
  const maxBacktracks = options.maxBacktracks ?? 5000;
  let state: State<C> = { constraints: new Map(), extras: new Map(), pins: new Map(), order: [] };
  for (const req of roots) addRequirement(state, req, [req.text]);
  const stack: Decision<C>[] = [];
  let backtracks = 0;
  let first: ResolutionConflict | undefined;

  for (;;) {
    let needed = false;
    let conflict: string | undefined;
    // Follow the dependencies of every decided project (and of extras asked of it since), until nothing new comes.
    for (let grew = true; grew && !conflict; ) {
      grew = false;
      for (const project of [...state.order]) {
        const pin = state.pins.get(project);
        if (!pin || pin.failure) continue;
        for (const extra of ['', ...(state.extras.get(project) ?? [])]) {
          if (pin.expanded.has(extra)) continue;
          const deps = await provider.dependencies(project, pin.candidate, extra);
          if (deps === NEED) {
            needed = true;
            continue;
          }
          pin.expanded.add(extra);
          if (deps instanceof Error) {
            if (extra === '') pin.failure = deps;
            continue;
          }
          pin.dependencies.set(extra, deps);
          grew = true;
          if (provider.follow && !provider.follow(project)) continue;
          const chain = state.constraints.get(project)![0]!.chain;
          for (const dep of deps) addRequirement(state, dep, [...chain, `${provider.describe(project, pin.candidate, extra)} requires ${dep.text}`], project);
        }
      }
      // A new constraint may rule out a candidate decided before it came.
      for (const [project, pin] of state.pins) {
        if (!provider.satisfies(pin.candidate, combined(state.constraints.get(project)!))) {
          conflict = project;
          break;
        }
      }
    }
    // Decide the next project, in the order they came.
    if (!conflict) {
      let decided = false;
      for (const project of state.order) {
        if (state.pins.has(project) || provider.unavailable?.(project)) continue;
        const constraints = state.constraints.get(project)!;
        const found = await provider.candidates(project, combined(constraints), constraints);
        if (found === NEED) {
          needed = true;
          continue;
        }
        if (found.length === 0) {
          conflict = project;
          break;
        }
        stack.push({ project, rest: found.slice(1), before: clone(state) });
        state.pins.set(project, { candidate: found[0]!, expanded: new Set(), dependencies: new Map() });
        decided = true;
        break;
      }
      if (!conflict && !decided) {
        if (needed) return { kind: 'needs' };
        return {
          kind: 'resolved',
          decided: new Map([...state.pins].map(([project, pin]) => [project, { candidate: pin.candidate, constraints: state.constraints.get(project)!, extras: state.extras.get(project) ?? new Set(), dependencies: pin.dependencies, ...(pin.failure ? { failure: pin.failure } : {}) }])),
          order: state.order.filter((p) => state.pins.has(p)),
          unavailable: new Map(state.order.filter((p) => !state.pins.has(p)).map((p) => [p, { error: provider.unavailable!(p)!, constraints: state.constraints.get(p)! }])),
        };
      }
      if (!conflict) continue;
    }
    // A conflict: first complete what this branch needs to know (more data only adds constraints), then go back.
    if (provider.widen?.(conflict) === NEED) needed = true;
    if (needed) return { kind: 'needs' };
    const constraints = state.constraints.get(conflict)!;
    first ??= new ResolutionConflict(conflict, constraints, 0);
    const culprits = new Set([conflict, ...constraints.map((c) => c.from).filter((f): f is string => f !== undefined)]);
    // Back to the most recent decision that constrained the project (or decided it); from there, one at a time.
    let at = stack.length - 1;
    while (at >= 0 && !culprits.has(stack[at]!.project)) at--;
    if (at < 0) at = stack.length - 1;
    stack.length = at + 1;
    while (stack.length > 0 && stack[stack.length - 1]!.rest.length === 0) stack.pop();
    if (stack.length === 0 || ++backtracks > maxBacktracks) throw new ResolutionConflict(first.project, first.constraints, backtracks);
    const decision = stack[stack.length - 1]!;
    state = clone(decision.before);
    state.pins.set(decision.project, { candidate: decision.rest.shift()!, expanded: new Set(), dependencies: new Map() });
  }
}

/** The PEP 440 check the providers share: a version against a combined specifier (pre-releases allowed when chosen). */
export function versionSatisfies(version: string, specifier: string): boolean {
  return specifier === '' || satisfies(version, specifier, { prereleases: true });
}
