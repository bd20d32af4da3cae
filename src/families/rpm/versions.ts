/**
 * RPM's spelling of PEP 440 versions: post-releases as "^post" (rpm >= 4.15),
 * local versions as "^~…" (above the release, below "^post"; rpm itself orders
 * numbers above letters), "^o" as the bound above every local version, and
 * the epoch as the Epoch tag.
 */
import { parsePep440 } from '../../pep/specifier.js';
import { type VersionSyntax, upstreamVersion } from '../shared/versions.js';

export const RPM_SYNTAX: VersionSyntax = {
  post: '^',
  local: (segments) => `^~${segments.join('.')}`,
  aboveLocal: '^o',
};

/** RPM Epoch (0 when none) and Version. */
export function toRpmVersion(version: string): { epoch: number; version: string } {
  const p = parsePep440(version);
  return { epoch: p.epoch, version: upstreamVersion(p, RPM_SYNTAX) };
}
