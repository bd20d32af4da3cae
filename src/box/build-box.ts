/**
 * One sdist's wheel build in its box: the unpacked source under
 * <box>/src, its home, its /tmp, and the directories its outputs land in.
 * What leaves the box is read by pkg2os as untrusted input.
 */
import type { Box } from './box.js';

export interface WheelBuild {
  box: Box;
  /** The source tree inside the sandbox (e.g. /build/src/Django-3.2.25). */
  sourceDir: string;
  sourceDateEpoch: number;
  /** "Django 3.2.25", for messages. */
  label: string;
  /** A build environment (its prefix on the host), seen read-only at /pkg2os/env and first on the path. */
  envDir?: string;
  /** The recipe's variables for the build (its PYTHONPATH comes after pkg2os's build site and the environment). */
  env?: Record<string, string>;
}

/** Where builds see a build environment. */
export const ENV_INSIDE = '/pkg2os/env';

/** Where builds see pkg2os's build site (src/box/site/sitecustomize.py). */
export const SITE_INSIDE = '/pkg2os/site';

/** The variables of a build: pkg2os's build site, then an environment first on the path, then a recipe's own PYTHONPATH. */
export function envVariables(withEnv: boolean, recipePath?: string): Record<string, string> {
  const path = [SITE_INSIDE, ...(withEnv ? [`${ENV_INSIDE}/lib`] : []), ...(recipePath ? [recipePath] : [])].join(':');
  return withEnv ? { PYTHONPATH: path, PATH: `${ENV_INSIDE}/bin:/usr/sbin:/usr/bin:/sbin:/bin` } : { PYTHONPATH: path };
}
