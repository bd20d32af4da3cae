import type { PackageFormat, TargetProfile } from '../config/targets.js';
import type { LoadedRecipe } from '../config/recipes.js';
import type { SdistCandidate } from '../index/index.types.js';
import type { Pkg2osError } from '../errors.js';
import type { Requirement } from '../pep/requirement.js';

/** A runtime dependency edge of a planned package, after markers (for the target) and extras. */
export interface PlannedDependency {
  project: string;
  specifier: string;
  /** The Requires-Dist text (or the requirement) it came from. */
  source: string;
}

/** One project at one version for one target: built once. */
export interface PlanItem {
  target: TargetProfile;
  project: string;
  /** Undefined when the target distribution provides it for every requested format. */
  candidate?: SdistCandidate;
  /** Formats for which the distribution's own package stands in (recipe provided-by, and its version satisfies). */
  providedFor: PackageFormat[];
  /** The distribution's version relied on for that (null: not known for this target, and nothing asks for a version). */
  providedVersion?: string | null;
  /** Extras that requirements asked for. */
  extras: string[];
  /** Why it is in the plan: the first chain of requirements that led here. */
  requiredBy: string[];
  /** Its own runtime dependencies (plus the dependencies of extras it asks of them). */
  dependencies: PlannedDependency[];
  recipe: LoadedRecipe;
}

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
  pages: ReadonlyMap<string, import('../index/index.types.js').ProjectPage>;
  /** Projects whose page could not be read. */
  failedPages: ReadonlyMap<string, Pkg2osError>;
  /** Requires-Dist of each candidate, by file URL; an error when its metadata could not be had. */
  metadata: ReadonlyMap<string, string[] | Pkg2osError>;
  recipes: ReadonlyMap<string, LoadedRecipe>;
  /** The target distribution's version of a package: a version, null when it cannot be known, absent when not asked yet. */
  distributionVersions: ReadonlyMap<string, string | null>;
  /** Build only the roots. */
  noDeps: boolean;
  pre: boolean;
}
