/**
 * A build environment: the verified build-requirement wheels the build root's
 * distribution cannot provide, installed (by python3-installer, in the
 * sandbox) into a private prefix that builds see read-only at /pkg2os/env,
 * first on their path; never the system's site-packages. It is
 * content-addressed by the exact set of wheels, made once per run however
 * many projects need it, and kept in the cache as a tarball.
 */
import { chmod, chown, copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { run } from '../exec.js';
import { SYSTEM_PYTHON } from '../host/system-python.js';
import { shipped } from '../paths.js';
import { Box, type BoxPolicy } from '../box/box.js';
import type { SandboxRoot } from '../box/sandbox.js';
import type { ValidatedWheel } from './validate-wheel.js';

/** Changes whenever what an environment holds besides its wheels changes: part of every environment's key (2: no sitecustomize of its own; the build site processes its .pth files). */
export const ENV_LAYOUT = 2;

/** Where made environments are kept between runs (the coordinator's cache): a tarball by key. */
export interface EnvironmentStore {
  /** The tarball of the environment `key`, when kept. */
  get(key: string): Promise<string | undefined>;
  put(key: string, wheels: readonly string[], tarball: Buffer): Promise<void>;
}

export interface EnvContext {
  workDir: string;
  store?: EnvironmentStore;
  root: SandboxRoot;
  policy: BoxPolicy;
  /** The log of the build that needs it. */
  logFile?: string;
}

const made = new Map<string, Promise<string>>();

/** The environment of `key` holding `wheels`, on the host (its prefix directory). */
export function materializeEnv(key: string, wheels: readonly ValidatedWheel[], context: EnvContext): Promise<string> {
  let dir = made.get(`${context.workDir}\u0000${key}`);
  if (!dir) {
    dir = make(key, wheels, context);
    made.set(`${context.workDir}\u0000${key}`, dir);
  }
  return dir;
}

async function make(key: string, wheels: readonly ValidatedWheel[], context: EnvContext): Promise<string> {
  const box = join(context.workDir, 'build-envs', key);
  const prefix = join(box, 'env');
  const tarball = join(context.workDir, 'build-envs', `${key}.tar`);
  const hit = context.store ? await context.store.get(key) : undefined;
  if (hit) {
    await mkdir(box, { recursive: true, mode: 0o755 });
    await run('tar', ['--extract', '--file', hit, '--directory', box, '--no-same-owner', '--no-same-permissions'], { purpose: 'unpacking a cached build environment' });
  } else {
    // The wheels beside the box, readable by the sandbox's uid (the cache is not).
    const inputs = `${box}.wheels`;
    await mkdir(inputs, { recursive: true, mode: 0o755 });
    for (const w of wheels) {
      await copyFile(w.path, join(inputs, basename(w.path)));
      await chmod(join(inputs, basename(w.path)), 0o644);
    }
    await mkdir(prefix, { recursive: true });
    await new Box(box, context.root, context.logFile ?? `${box}.log`, context.policy).run(
      [SYSTEM_PYTHON, '/pkg2os/install-env.py', '/build/env', ...wheels.map((w) => `/pkg2os/wheels/${basename(w.path)}`)],
      `installing the build requirements ${wheels.map((w) => `${w.metadata.name} ${w.metadata.version}`).join(', ')}`,
      {
        readOnly: [{ host: shipped('src', 'box', 'helpers', 'install-env.py'), inside: '/pkg2os/install-env.py' }, { host: inputs, inside: '/pkg2os/wheels' }],
        env: { LANG: 'C.UTF-8', HOME: '/build/home', PYTHONNOUSERSITE: '1' },
      },
    );
    await rm(inputs, { recursive: true, force: true });
    await mkdir(join(prefix, 'lib'), { recursive: true });
    await reclaim(box);
    if (context.store) {
      await run('tar', ['--create', '--file', tarball, '--directory', box, '--owner=0', '--group=0', '--numeric-owner', '--sort=name', 'env'], { purpose: 'keeping a build environment' });
      await context.store.put(key, wheels.map((w) => basename(w.path)), await readFile(tarball));
      await rm(tarball, { force: true });
    }
  }
  await chmod(box, 0o755);
  return prefix;
}

/** Take the box back from the sandbox's uid: root owns it, everyone may read it, nobody else write it. */
async function reclaim(box: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await chown(box, 0, 0);
  for (const entry of await readdir(box, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) continue;
    await chown(path, 0, 0);
    await chmod(path, entry.isDirectory() ? 0o755 : 0o644 | (entry.isFile() && /\/bin\//.test(path) ? 0o111 : 0));
  }
}
