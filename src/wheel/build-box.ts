/**
 * A build box: the one directory a sandboxed build may write, mounted at
 * /build — the unpacked source under src/, its home, its /tmp, and the
 * directories its outputs land in. What leaves the box is read by pkg2os as
 * untrusted input.
 */
import type { SandboxLimits } from '../config/build-limits.js';
import type { SandboxRoot } from '../sandbox/sandbox.js';

export interface BuildBox {
  /** The box on the host. */
  dir: string;
  /** The source tree inside the sandbox (e.g. /build/src/Django-3.2.25). */
  sourceDir: string;
  root: SandboxRoot;
  limits: SandboxLimits;
  logFile: string;
  logCapBytes?: number;
  sourceDateEpoch: number;
  /** Extra environment for the build (from a recipe). */
  env?: Record<string, string>;
  /** "Django 3.2.25", for messages. */
  label: string;
  /** A build environment (its prefix on the host), seen read-only at /pkg2os/env and first on the path. */
  envDir?: string;
}

/** The path inside the sandbox of a host path below the box. */
export function inside(box: BuildBox, hostPath: string): string {
  if (hostPath !== box.dir && !hostPath.startsWith(`${box.dir}/`)) throw new Error(`${hostPath} is not in the build box ${box.dir}`);
  return `/build${hostPath.slice(box.dir.length)}`;
}

/** Where builds see a build environment. */
export const ENV_INSIDE = '/pkg2os/env';

/** Where builds see pkg2os's build site (src/wheel/site/sitecustomize.py). */
export const SITE_INSIDE = '/pkg2os/site';

/** The variables of a build: pkg2os's build site, then an environment first on the path, then a recipe's own PYTHONPATH. */
export function envVariables(withEnv: boolean, recipePath?: string): Record<string, string> {
  const path = [SITE_INSIDE, ...(withEnv ? [`${ENV_INSIDE}/lib`] : []), ...(recipePath ? [recipePath] : [])].join(':');
  return withEnv ? { PYTHONPATH: path, PATH: `${ENV_INSIDE}/bin:/usr/sbin:/usr/bin:/sbin:/bin` } : { PYTHONPATH: path };
}
