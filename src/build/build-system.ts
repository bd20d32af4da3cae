/**
 * An sdist's [build-system] table (PEP 518, PEP 517): its build requirements,
 * its backend and where an in-tree backend lives. Without one, the legacy
 * setuptools backend with setuptools >= 40.8.0, as pip does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { BuildError } from '../errors.js';

export interface BuildSystem {
  requires: string[];
  backend: string;
  /** In-tree backend directories (PEP 517 backend-path), relative to the source tree. */
  backendPath: string[];
}

const LEGACY: BuildSystem = { requires: ['setuptools>=40.8.0'], backend: 'setuptools.build_meta:__legacy__', backendPath: [] };

function invalid(label: string, why: string): BuildError {
  return new BuildError('INVALID_METADATA', `The pyproject.toml of ${label} ${why}.`, { hint: 'Report it upstream; a recipe patch can fix the sdist meanwhile.' });
}

export async function readBuildSystem(sourceDir: string, label: string): Promise<BuildSystem> {
  const text = await readFile(join(sourceDir, 'pyproject.toml'), 'utf8').catch(() => undefined);
  if (text === undefined) return LEGACY;
  if (text.length > 1024 * 1024) throw invalid(label, 'is larger than 1 MiB');
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw invalid(label, `does not parse as TOML (${(error as Error).message.split('\n')[0]})`);
  }
  const table = doc['build-system'];
  if (table === undefined) return LEGACY;
  if (typeof table !== 'object' || table === null) throw invalid(label, 'has a [build-system] that is not a table');
  const { requires, 'build-backend': backend, 'backend-path': backendPath } = table as Record<string, unknown>;
  if (!Array.isArray(requires) || !requires.every((r) => typeof r === 'string')) throw invalid(label, 'has no list of strings in [build-system] requires');
  if (backend !== undefined && typeof backend !== 'string') throw invalid(label, 'has a build-backend that is not a string');
  if (backendPath !== undefined && (!Array.isArray(backendPath) || !backendPath.every((p) => typeof p === 'string' && !p.startsWith('/') && !p.split('/').includes('..')))) {
    throw invalid(label, 'has a backend-path that is not a list of paths inside the source tree');
  }
  return { requires: requires as string[], backend: (backend as string | undefined) ?? LEGACY.backend, backendPath: (backendPath as string[] | undefined) ?? [] };
}
