/**
 * The resolver of the runtime closure: requirements + index pages + core
 * metadata + recipes → a build plan, for one target. Pure: when it lacks a
 * page, a candidate's metadata or a distribution package's version it says
 * so (`needs`), the caller fetches them and calls it again. It backtracks
 * (backtrack.ts): each project gets the newest version that satisfies every
 * constraint so far (PEP 508 markers evaluated for the target, extras
 * followed) — or, for a project the distribution provides (a recipe's
 * provided-by, or the distribution's own name for it), the distribution's
 * package when its version satisfies — and when a later constraint rules a
 * choice out, it goes back and tries the next. A conflict that no choice
 * avoids is an error that shows the chains of requirements behind it.
 * Cycles are fine: each project is expanded once per extra.
 */
import { markerEnvironment } from '../../config/targets.js';
import { familyOf } from '../../families/registry.js';
import { type LoadedRecipe, isProvided, packageNameFor, recipeForFamily, recipeName } from '../../config/recipes.js';
import { satisfies, valid } from '@renovatebot/pep440';
import { NEED, type Provider, type Resolution, ResolutionConflict, backtrack, combined, versionSatisfies } from './backtrack.js';
import { IndexError, Pkg2osError } from '../../errors.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import { type SelectOptions, noSdistReason, sdistCandidates } from '../index/select.js';
import type { Requirement } from '../../pep/requirement.js';
import { requirementsFor } from '../../pep/dependencies.js';
import { normalizeName } from '../../pep/names.js';
import { type PlanItem, type PlannedDependency, type ResolveInput, type ResolveNeeds, type ResolvedPlan, itemId } from './plan.types.js';

/** A choice for a project: one of its sdists, or the distribution's package standing in. */
type Choice = { kind: 'sdist'; candidate: SdistCandidate } | { kind: 'distribution'; package: string; version: string | null };

/**
 * The PEP 440 version a distribution package stands for: its upstream part
 * ("3:3.2.25-0+deb12u7" → "3.2.25", "2.0~rc1-2" → "2.0rc1", "1.0+dfsg-1" → "1.0"),
 * or undefined when that is no PEP 440 version.
 */
export function distributionUpstream(version: string): string | undefined {
  const upstream = version.replace(/^\d+:/, '').replace(/-[^-]*$/, '').replace(/[+~](dfsg|ds|really|repack).*$/i, '').replace(/~/g, '');
  return valid(upstream) !== null ? upstream : undefined;
}

export async function resolve(input: ResolveInput): Promise<ResolveNeeds | ResolvedPlan> {
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
  // A project named on the command line is built, even where the distribution provides it.
  const mapped = (project: string) => isProvided(recipeOf(project), format) && !roots.has(project);
  const needs = { pages: new Set<string>(), metadata: new Map<string, SdistCandidate>(), distribution: new Set<string>() };
  const select = { pythonFullVersion: input.target.pythonFullVersion, pre: input.pre };
  const requirement = (project: string, specifier: string): Requirement => ({ name: project, project, extras: [], specifier, text: project });

  const provider: Provider<Choice> = {
    candidates(project, specifier) {
      const out: Choice[] = [];
      if (mapped(project)) {
        const pkg = packageNameFor(project, recipeOf(project), format);
        const version = input.distributionVersions.get(pkg);
        if (version === undefined) {
          needs.distribution.add(pkg);
          return NEED;
        }
        // A version the target's distribution does not say (no root for it) stands only when nothing asks for a version.
        const upstream = version === null ? undefined : distributionUpstream(version);
        if (specifier === '' || (upstream !== undefined && satisfies(upstream, specifier, { prereleases: true }))) out.push({ kind: 'distribution', package: pkg, version });
        const page = input.pages.get(project);
        // The index's versions only when the distribution's does not do (the page is fetched then).
        if (!page) {
          if (out.length > 0) return out;
          if (input.failedPages.has(project)) return out;
          needs.pages.add(project);
          return NEED;
        }
        return [...out, ...sdistCandidates(page, requirement(project, specifier), select).map((candidate) => ({ kind: 'sdist' as const, candidate }))];
      }
      const page = input.pages.get(project);
      if (!page) {
        needs.pages.add(project);
        return NEED;
      }
      return sdistCandidates(page, requirement(project, specifier), select).map((candidate) => ({ kind: 'sdist' as const, candidate }));
    },
    satisfies(choice, specifier) {
      if (choice.kind === 'sdist') return versionSatisfies(choice.candidate.version, specifier);
      const upstream = choice.version === null ? undefined : distributionUpstream(choice.version);
      return specifier === '' || (upstream !== undefined && satisfies(upstream, specifier, { prereleases: true }));
    },
    dependencies(project, choice, extra) {
      // The distribution's package brings its own dependencies.
      if (choice.kind === 'distribution') return [];
      const metadata = input.metadata.get(choice.candidate.file.url);
      if (metadata === undefined) {
        needs.metadata.set(choice.candidate.file.url, choice.candidate);
        return NEED;
      }
      if (metadata instanceof Pkg2osError) return metadata;
      // A recipe's dropped dependencies are neither followed nor depended on.
      const drop = new Set((recipeOf(project).dependencies?.drop ?? []).map(normalizeName));
      return requirementsFor(metadata, env, extra, project).filter((d) => !drop.has(d.project));
    },
    describe: (project, choice, extra) => (choice.kind === 'sdist' ? `${choice.candidate.project}${extra ? `[${extra}]` : ''} ${choice.candidate.version}` : `${project} (${choice.package} ${choice.version ?? ''})`.replace(' )', ')')),
    follow: () => !input.noDeps,
    unavailable: (project) => (mapped(project) ? undefined : input.failedPages.get(project)),
    widen(project) {
      // A distribution package ruled out after it was chosen: the index's versions are the alternatives.
      if (!mapped(project) || input.pages.has(project) || input.failedPages.has(project)) return undefined;
      needs.pages.add(project);
      return NEED;
    },
  };

  let resolution;
  try {
    resolution = await backtrack(input.roots, provider);
  } catch (error) {
    if (error instanceof ResolutionConflict) throw conflict(error, input, select);
    throw error;
  }
  if (resolution.kind === 'needs') return { kind: 'needs', pages: [...needs.pages], metadata: [...needs.metadata.values()], distributionPackages: [...needs.distribution] };
  const failed: ResolvedPlan['failed'] = [];
  for (const [project, d] of resolution.decided) if (d.failure && d.candidate.kind === 'sdist') failed.push({ project, error: d.failure as Pkg2osError, requiredBy: d.constraints[0]!.chain, version: d.candidate.candidate.version });
  for (const [project, u] of resolution.unavailable) failed.push({ project, error: u.error as Pkg2osError, requiredBy: u.constraints[0]!.chain });
  return { kind: 'plan', target: input.target, items: planItems(resolution, input, recipeOf), failed };
}

/** No version fits: one constraint that nothing on the index meets says so plainly; several say where each came from. */
function conflict(error: ResolutionConflict, input: ResolveInput, select: SelectOptions): IndexError {
  const page = input.pages.get(error.project);
  const spec = combined(error.constraints);
  const unique = [...new Set(error.constraints.map((c) => `  ${c.chain.join(' → ')}${c.specifier ? '' : ' (any version)'}`))];
  const none = page ? noSdistReason(page, { name: error.project, project: error.project, extras: [], specifier: spec, text: error.project }, select) : undefined;
  if (unique.length === 1 && none) return none;
  return new IndexError('RESOLUTION_CONFLICT', `No version of ${error.project} satisfies every requirement for ${input.target.name} (${spec || 'any version'})${error.backtracks ? `, whichever versions of the others were tried (${error.backtracks} tried)` : ''}. The requirements come from:\n${unique.join('\n')}`, {
    hint: `Pin compatible versions of the projects in these chains, or change the requirement.${none ? ` (${none.message})` : ''}`,
  });
}

function planItems(resolution: Extract<Resolution<Choice>, { kind: 'resolved' }>, input: ResolveInput, recipeOf: (project: string) => LoadedRecipe): PlanItem[] {
  const items: PlanItem[] = [];
  const states = resolution.decided;
  for (const [project, state] of states) {
    if (state.failure) continue;
    const recipe = recipeOf(project);
    const base = state.dependencies.get('') ?? [];
    const nameOf = (project: string) => packageNameFor(project, recipeOf(project), familyOf(input.target).format);
    const dependencies: PlannedDependency[] = base.map((d) => ({ project: d.project, package: nameOf(d.project), specifier: d.specifier, source: d.text }));
    // What this package asks of its dependencies' extras is its own dependency too.
    for (const dep of base) {
      for (const extra of dep.extras) {
        for (const extraDep of states.get(dep.project)?.dependencies.get(extra) ?? []) {
          dependencies.push({ project: extraDep.project, package: nameOf(extraDep.project), specifier: extraDep.specifier, source: `${extraDep.text} (via ${dep.project}[${extra}])` });
        }
      }
    }
    const common = { id: itemId(input.target.name, project), target: input.target, project, extras: [...state.extras].sort(), requiredBy: state.constraints[0]!.chain, dependencies, recipe };
    if (state.candidate.kind === 'distribution') items.push({ ...common, kind: 'provided', package: state.candidate.package, version: state.candidate.version });
    else items.push({ ...common, kind: 'build', candidate: state.candidate.candidate });
  }
  return items.sort((a, b) => (a.project < b.project ? -1 : 1));
}
