/**
 * What the Python of a build root has installed (importlib.metadata, run in
 * the sandbox on that root): the distribution's own versions of build
 * backends and their dependencies, which build requirements are checked
 * against before anything comes from the index. Asked once per root and run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError, ConfigError } from '../errors.js';
import { SYSTEM_PYTHON } from '../host/system-python.js';
import { shipped } from '../paths.js';
import { Box, type BoxPolicy } from './box.js';
import type { SandboxRoot } from './sandbox.js';

export interface RootPython {
  /** "3.11" and "3.11.2". */
  version: string;
  fullVersion: string;
  /** Installed distributions by normalized name → version. */
  distributions: Map<string, string>;
}

const memo = new Map<string, Promise<RootPython>>();

function rootKey(root: SandboxRoot): string {
  return root.kind === 'host' ? '/' : root.path;
}

export function rootPython(root: SandboxRoot, workDir: string, policy: BoxPolicy): Promise<RootPython> {
  let found = memo.get(rootKey(root));
  if (!found) {
    found = ask(root, workDir, policy);
    memo.set(rootKey(root), found);
  }
  return found;
}

async function ask(root: SandboxRoot, workDir: string, policy: BoxPolicy): Promise<RootPython> {
  const box = await mkdtemp(join(workDir, 'root-python-'));
  try {
    const { stdout } = await new Box(box, root, `${box}.log`, { ...policy, limits: { ...policy.limits, wallSeconds: 120 } }).run([SYSTEM_PYTHON, '/pkg2os/list-distributions.py'], "listing what the build root's Python has installed", {
      readOnly: [{ host: shipped('src', 'box', 'helpers', 'list-distributions.py'), inside: '/pkg2os/list-distributions.py' }],
      env: { LANG: 'C.UTF-8', HOME: '/build/home', PYTHONNOUSERSITE: '1' },
      capture: true,
    });
    const data = JSON.parse(stdout) as { python: string; pythonFull: string; distributions: Record<string, string> };
    const distributions = new Map<string, string>();
    for (const [name, version] of Object.entries(data.distributions)) distributions.set(name.toLowerCase().replace(/[-_.]+/g, '-'), version);
    return { version: data.python, fullVersion: data.pythonFull, distributions };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new BuildError('BUILD_FAILED', `pkg2os cannot tell what the build root's Python has installed: ${(error as Error).message}`, { cause: error });
  } finally {
    await rm(box, { recursive: true, force: true });
  }
}
