/**
 * Everything besides the sdist that shapes a built package, as digests: the
 * build environment's identity (pkg2os's version, its templates and helper
 * scripts, the system Python and the versions of the Debian packages that
 * build and package) and the inputs of each package. The inputs digest is a
 * cache key and decides the release: same inputs, same release.
 */
import { stat } from 'node:fs/promises';
import type { LoadedRecipe } from '../../config/recipes.js';
import { treeDigest } from '../../digest.js';
import { BUILD_TOOL_PACKAGES, installedVersions } from '../../host/installed-versions.js';
import { SYSTEM_PYTHON, hostPythonVersion } from '../../host/system-python.js';
import { shipped } from '../../paths.js';
import { PKG2OS_VERSION } from '../../version.js';
import { type ContentCache, cacheKey } from './content-cache.js';

/** What a package's inputs digest covers besides the environment. */
export interface PackageInputs {
  sha256: string;
  format: string;
  target: string;
  recipe: LoadedRecipe;
  /** [project, specifier, distribution package name] of each planned dependency. */
  dependencies: Array<[string, string, string]>;
  maintainer: string;
  /** The build environment's digest and the build requirements it was made of (project, version, source). */
  build: { environment: string; requirements: Array<[string, string, string]> } | null;
  /** The identity of the target's build root, for compiled code (built and linked there); null for pure Python. */
  root: string | null;
}

export class BuildInputs {
  private environment?: Promise<Record<string, string>>;

  constructor(
    private readonly cache?: ContentCache,
    /** A user's directory of templates that override pkg2os's own, file by file (its contents are part of every package's inputs). */
    private readonly templatesDir?: string,
  ) {}

  /** The build environment's identity, computed once per run. */
  identity(): Promise<Record<string, string>> {
    this.environment ??= (async () => ({
      pkg2os: PKG2OS_VERSION,
      ...(await this.installed()),
      templates: await treeDigest(shipped('templates')),
      ...(this.templatesDir ? { userTemplates: await treeDigest(this.templatesDir, /\.hbs$/) } : {}),
      helpers: await treeDigest(shipped('src'), /\.py$/),
    }))();
    return this.environment;
  }

  /**
   * The system Python's version and the build tools' package versions. Asking
   * costs two processes, so the answer is cached for as long as dpkg's status
   * file (which every installation or upgrade rewrites) stays the same.
   */
  private async installed(): Promise<Record<string, string>> {
    const status = await stat('/var/lib/dpkg/status').catch(() => undefined);
    const key = status && this.cache ? cacheKey({ kind: 'environment', size: status.size, mtimeMs: status.mtimeMs, python: SYSTEM_PYTHON }) : undefined;
    const hit = key ? await this.cache!.get<Record<string, string>>('environment', key) : undefined;
    if (hit) return hit.meta;
    const versions = { python: await hostPythonVersion(), ...(await installedVersions(BUILD_TOOL_PACKAGES)) };
    if (key) await this.cache!.put('environment', key, versions);
    return versions;
  }

  /** What a cached verification and its metadata depend on: the bytes, the recipe, and what is trusted now (policies, pinned keys and publishers, the trusted root). */
  async metadataKey(sha256: string, recipe: LoadedRecipe, trust: Record<string, unknown>): Promise<string> {
    return cacheKey({ kind: 'requires-dist', sha256, recipe, trust, environment: await this.identity() });
  }

  /** Everything that shapes one package besides its release; the same inputs give the same bytes. */
  async packageInputs(inputs: PackageInputs): Promise<string> {
    return cacheKey({ kind: 'package', ...inputs, environment: await this.identity() });
  }
}
