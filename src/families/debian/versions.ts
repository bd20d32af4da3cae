/**
 * Debian's spelling of PEP 440 versions (Debian Policy §5.6.12): post-releases
 * as "+post", local versions as "+" with "~" before each spelled segment (so
 * that strings sort below numbers, as in PEP 440), and "+o" as the bound above
 * every local version and below the post-releases.
 */
import { parsePep440 } from '../../pep/specifier.js';
import { type VersionSyntax, upstreamVersion } from '../shared/versions.js';

export const DEBIAN_SYNTAX: VersionSyntax = {
  post: '+',
  local: (segments) => `+${segments.map((s) => (/^\d+$/.test(s) ? s : `~${s}`)).join('.')}`,
  aboveLocal: '+o',
};

/** Debian upstream version (with "N:" epoch), without revision. */
export function toDebianVersion(version: string): string {
  const p = parsePep440(version);
  return `${p.epoch > 0 ? `${p.epoch}:` : ''}${upstreamVersion(p, DEBIAN_SYNTAX)}`;
}
