/**
 * Which target a package file was built for, from its release string: a
 * Debian revision ending in the target's tag ("1~deb13"), an RPM Release
 * ending in it ("1.el9"); else the target the caller names (--target), else
 * a clear refusal — a package is never put into a suite or repository it was
 * not built for by guess.
 */
import { basename } from 'node:path';
import { type PackageFormat, TARGETS, type TargetProfile } from '../config/targets.js';
import { PublishError } from '../errors.js';

export function targetOfRelease(format: PackageFormat, release: string, file: string, fallback: TargetProfile | undefined): TargetProfile {
  const tagged = Object.values(TARGETS).find((t) => t.family === format && release.endsWith(t.distTag));
  if (tagged) return tagged;
  if (fallback && fallback.family === format) return fallback;
  throw new PublishError('PUBLISH_CONFLICT', `${basename(file)} carries no target in its ${format === 'deb' ? 'Debian revision' : 'RPM release'} ("${release}"), so pkg2os cannot tell which ${format === 'deb' ? 'suite' : 'yum repository'} it belongs to.`, {
    hint: `Publish it with --target naming the ${format === 'deb' ? 'Debian' : 'RPM'}-family release it was built for (e.g. --target ${format === 'deb' ? 'debian-12' : 'el9'}).`,
  });
}
