import type { TargetProfile } from '../../config/targets.js';
import type { LoadedRecipe } from '../../config/recipes.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import type { Pkg2osError } from '../../errors.js';
import type { Requirement } from '../../pep/requirement.js';

/** A runtime dependency edge of a planned package, after markers (for the target) and extras. */
export interface PlannedDependency {
  project: string;
  /** The distribution package that satisfies it for this target (its recipe's name or provided-by, the distribution's own name for the project, else python3-<project>). */
  package: string;
  specifier: string;
  /** The Requires-Dist text (or the requirement) it came from. */
  source: string;
}

/** The one key of a planned item: its target and project ("debian-12/django"). */
export type ItemId = string & { readonly __itemId: true };

export function itemId(target: string, project: string): ItemId {
  return `${target}/${project}` as ItemId;
}

/** What every planned project has, built or provided. */
interface PlannedProject {
  id: ItemId;
  target: TargetProfile;
  project: string;
  /** Extras that requirements asked for. */
  extras: string[];
  /** Why it is in the plan: the first chain of requirements that led here. */
  requiredBy: string[];
  /** Its own runtime dependencies (plus the dependencies of extras it asks of them). */
  dependencies: PlannedDependency[];
  recipe: LoadedRecipe;
}

/** A project built from its sdist for one target: once, at one version. */
export interface BuildItem extends PlannedProject {
  kind: 'build';
  candidate: SdistCandidate;
}

/** A project the target distribution provides (recipe provided-by, and its version satisfies): its package stands in. */
export interface ProvidedItem extends PlannedProject {
  kind: 'provided';
  /** The distribution's package. */
  package: string;
  /** The distribution's version relied on (null: not known for this target, and nothing asks for a version). */
  version: string | null;
}

export type PlanItem = BuildItem | ProvidedItem;

/** What the pure resolver still needs from the outside world. */
export interface ResolveNeeds {
  kind: 'needs';
  pages: string[];
  metadata: SdistCandidate[];
  /** Distribution packages (of the target) whose version it needs to know. */
  distributionPackages: string[];
}

export interface ResolvedPlan {
  kind: 'plan';
  target: TargetProfile;
  items: PlanItem[];
  /** Projects that could not be planned (their own metadata failed): dependents fail with them. */
  failed: Array<{ project: string; version?: string; error: Pkg2osError; requiredBy: string[] }>;
}

/** Everything the resolver reads; gathered by the discovery step. */
export interface ResolveInput {
  roots: Requirement[];
  target: TargetProfile;
  /** Project pages by normalized name; missing ones are asked for. */
  pages: ReadonlyMap<string, import('../../pep/index.types.js').ProjectPage>;
  /** Projects whose page could not be read. */
  failedPages: ReadonlyMap<string, Pkg2osError>;
  /** Requires-Dist of each candidate, by file URL; an error when its metadata could not be had. */
  metadata: ReadonlyMap<string, string[] | Pkg2osError>;
  recipes: ReadonlyMap<string, LoadedRecipe>;
  /** The target distribution's version of a package: a version, null when it cannot be known, absent when not asked yet. */
  distributionVersions: ReadonlyMap<string, string | null>;
  /**
   * The distribution's own package of each Python project its release ships
   * (Debian's dh-python mapping, Fedora's python3dist() provides): a project
   * without a recipe that names it is provided by that package where its
   * version satisfies, and built under that name where it does not.
   */
  distributionNames?: ReadonlyMap<string, string>;
  /** Build only the roots. */
  noDeps: boolean;
  pre: boolean;
}
