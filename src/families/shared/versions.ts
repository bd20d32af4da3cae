/**
 * PEP 440 versions (https://peps.python.org/pep-0440/) in a distribution's
 * version syntax (each family gives its spelling, `VersionSyntax`), chosen so that `dpkg --compare-versions` and rpm's vercmp
 * order them exactly as PEP 440 does (proved by property tests):
 * - the release gets one canonical length (PEP 440 pads: 1 == 1.0 == 1.0.0 → 1.0);
 * - pre-releases sort before the release with "~" (Debian Policy §5.6.12,
 *   RPM >= 4.10), dev releases below them with "~~dev";
 * - post-releases sort after it: "+post" (Debian), "^post" (RPM >= 4.15);
 * - local versions after the release and below its post-releases:
 *   "+seg…" / "^~seg…", non-numeric segments spelled in letters so that
 *   both tools compare them as PEP 440 compares strings;
 * - the epoch becomes Debian's "N:" and RPM's Epoch tag.
 */
import { type Constraint, type Pep440Parts, parsePep440 } from '../../pep/specifier.js';

export type { Constraint } from '../../pep/specifier.js';

/**
 * The release in one canonical length: PEP 440 compares releases zero-padded
 * (1 == 1.0 == 1.0.0), dpkg and rpm do not. Trailing zeros are dropped down to
 * two components, and a single component gets ".0": 1 → 1.0, 2.31.0 → 2.31,
 * 3.2.25 stays. Every PEP-equal release then has the same spelling.
 */
function release(p: Pep440Parts): string {
  const parts = [...p.release];
  while (parts.length > 2 && parts[parts.length - 1] === 0) parts.pop();
  if (parts.length === 1) parts.push(0);
  return parts.join('.');
}

/** A non-numeric local segment in lower-case letters that sort like the original string (two letters a–p per character). */
function spellSegment(segment: string): string {
  return [...segment.toLowerCase()].map((c) => String.fromCharCode(97 + (c.charCodeAt(0) >> 4)) + String.fromCharCode(97 + (c.charCodeAt(0) & 15))).join('');
}

/**
 * How a family spells what PEP 440 has beyond the release: its post-release
 * mark, its local versions and the bound just above every local version.
 * Each family gives its own (families/<family>/versions.ts).
 */
export interface VersionSyntax {
  /** What precedes "post<N>": it must sort above the release and above every pre-release. */
  readonly post: string;
  /** The local version part from its segments (numbers as numbers, other segments spelled in letters). */
  local(segments: readonly string[]): string;
  /** A suffix above the version and all its local versions, below its post-releases. */
  readonly aboveLocal: string;
}

function localPart(local: string, syntax: VersionSyntax): string {
  return syntax.local(local.split(/[._-]/).map((s) => (/^\d+$/.test(s) ? String(Number(s)) : spellSegment(s))));
}

/** The distribution's upstream version of a PEP 440 version, without its epoch. */
export function upstreamVersion(p: Pep440Parts, syntax: VersionSyntax): string {
  let s = release(p);
  if (p.pre) s += `~${p.pre.label}${p.pre.number}`;
  if (p.post !== undefined) s += `${syntax.post}post${p.post}`;
  if (p.dev !== undefined) s += p.pre || p.post !== undefined ? `~dev${p.dev}` : `~~dev${p.dev}`;
  if (p.local) s += localPart(p.local, syntax);
  return s;
}

/** The version a bound names, "N:" epoch included (dpkg relations and rpm Requires both take it so). */
export function boundVersion(c: Constraint, syntax: VersionSyntax): string {
  const p = parsePep440(c.version);
  const base = `${p.epoch > 0 ? `${p.epoch}:` : ''}${upstreamVersion(p, syntax)}`;
  switch (c.position) {
    case 'at':
      return base;
    case 'belowPre':
      return `${base}~~`;
    case 'aboveLocal':
      return `${base}${syntax.aboveLocal}`;
    case 'aboveAll':
      return `${base}.0`;
  }
}
