/**
 * Which target a package file was built for, from its release string: a
 * release ending in the target's tag ("1~deb13", "1.el9"); else the target the
 * caller names (--target), else a clear refusal — a package is never put into
 * a suite or repository it was not built for by guess.
 */
import { basename } from 'node:path';
import { TARGETS, type TargetProfile } from '../../config/targets.js';
import { PublishError } from '../../errors.js';
import type { Family } from './family.types.js';

export function targetOfRelease(family: Family, release: string, file: string, fallback: TargetProfile | undefined): TargetProfile {
  const tagged = Object.values(TARGETS).find((t) => t.family === family.name && release.endsWith(t.distTag));
  if (tagged) return tagged;
  if (fallback && fallback.family === family.name) return fallback;
  throw new PublishError('PUBLISH_CONFLICT', `${basename(file)} carries no target in its ${family.releaseTerm} ("${release}"), so pkg2os cannot tell which ${family.repository} repository it belongs to.`, {
    hint: `Publish it with --target naming the ${family.title} release it was built for (e.g. --target ${family.exampleTargets[0]}).`,
  });
}
