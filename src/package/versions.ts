/**
 * PEP 440 versions (https://peps.python.org/pep-0440/) in Debian's and RPM's
 * version syntax, chosen so that `dpkg --compare-versions` and rpm's vercmp
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
import { explain } from '@renovatebot/pep440';
import { ConfigError } from '../errors.js';

export interface Pep440Parts {
  epoch: number;
  release: number[];
  pre?: { label: 'a' | 'b' | 'rc'; number: number };
  post?: number;
  dev?: number;
  local?: string;
}

/** Parse a PEP 440 version; malformed versions are a clear error. */
export function parsePep440(version: string): Pep440Parts {
  const v = explain(version);
  if (!v) {
    throw new ConfigError('INVALID_VERSION', `"${version}" is not a valid PEP 440 version.`, {
      hint: 'Python versions look like 1.2, 1.2.3rc1, 2!1.0.post2 or 1.0.dev4 (PEP 440).',
    });
  }
  // The library's types say arrays; at run time absent parts are null and present ones numbers.
  const raw = v as unknown as { pre: [string, number] | null; post: number | null; dev: number | null };
  const pre = raw.pre ? { label: raw.pre[0] as 'a' | 'b' | 'rc', number: Number(raw.pre[1]) } : undefined;
  const post = raw.post === null || raw.post === undefined ? undefined : Number(raw.post);
  const dev = raw.dev === null || raw.dev === undefined ? undefined : Number(raw.dev);
  return { epoch: v.epoch, release: v.release, pre, post, dev, local: v.local ?? undefined };
}

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

function localPart(local: string, format: 'deb' | 'rpm'): string {
  const segments = local.split(/[._-]/).map((s) => (/^\d+$/.test(s) ? String(Number(s)) : spellSegment(s)));
  if (format === 'deb') {
    // "~" before each spelled segment: below numbers, as PEP 440 has strings below numbers; "+" keeps it below "+post".
    return `+${segments.map((s) => (/^\d+$/.test(s) ? s : `~${s}`)).join('.')}`;
  }
  // rpm: "^~" keeps it above the release and below "^post"; rpm itself orders numbers above letters.
  return `^~${segments.join('.')}`;
}

function upstream(p: Pep440Parts, format: 'deb' | 'rpm'): string {
  let s = release(p);
  if (p.pre) s += `~${p.pre.label}${p.pre.number}`;
  if (p.post !== undefined) s += `${format === 'deb' ? '+' : '^'}post${p.post}`;
  if (p.dev !== undefined) s += p.pre || p.post !== undefined ? `~dev${p.dev}` : `~~dev${p.dev}`;
  if (p.local) s += localPart(p.local, format);
  return s;
}

/** Debian upstream version (with "N:" epoch), without revision. */
export function toDebianVersion(version: string): string {
  const p = parsePep440(version);
  return `${p.epoch > 0 ? `${p.epoch}:` : ''}${upstream(p, 'deb')}`;
}

/** RPM Epoch (0 when none) and Version. */
export function toRpmVersion(version: string): { epoch: number; version: string } {
  const p = parsePep440(version);
  return { epoch: p.epoch, version: upstream(p, 'rpm') };
}

/** True when the version is a pre- or dev release. */
export function isPreRelease(version: string): boolean {
  const p = parsePep440(version);
  return p.pre !== undefined || p.dev !== undefined;
}

/** The release after a prefix: "1.4" → "1.5" (for ==1.4.* and ~=). */
export function bumpLast(prefix: string): string {
  const parts = prefix.split('.');
  const last = Number(parts.pop());
  return [...parts, String(last + 1)].join('.');
}

/**
 * Where a bound lies relative to the translated version V:
 * - `at`: V itself;
 * - `belowPre`: below every pre-, dev- and post-release of V ("~~");
 * - `aboveLocal`: above V and all its local versions, below its post-releases (Debian "+o", RPM "^o");
 * - `aboveAll`: above V and everything derived from V (post-releases, local versions), below the next release (".0").
 */
export type BoundPosition = 'at' | 'belowPre' | 'aboveLocal' | 'aboveAll';

/** A format-neutral version constraint: `op` against the translated `version` moved to `position`. */
export interface Constraint {
  op: '>=' | '<' | '=';
  /** PEP 440 version. */
  version: string;
  position: BoundPosition;
}

/** Render the bound version for a format (Debian keeps "N:" epochs; RPM gets "N:" from the Epoch). */
export function boundVersion(c: Constraint, format: 'deb' | 'rpm'): string {
  const base = format === 'deb' ? toDebianVersion(c.version) : (({ epoch, version }) => `${epoch > 0 ? `${epoch}:` : ''}${version}`)(toRpmVersion(c.version));
  switch (c.position) {
    case 'at':
      return base;
    case 'belowPre':
      return `${base}~~`;
    case 'aboveLocal':
      return `${base}${format === 'deb' ? '+o' : '^o'}`;
    case 'aboveAll':
      return `${base}.0`;
  }
}

export interface TranslatedSpecifier {
  constraints: Constraint[];
  /** Clauses a dependency cannot express at all (`!=`, `!=V.*`): left out. */
  dropped: string[];
  /**
   * Clauses whose PEP 440 meaning is not one interval, translated to the
   * smallest interval that holds it: `>V` for a pre-, post- or dev-release V
   * (PEP 440 then also excludes V's base's post-releases and local versions),
   * and `<V` for a post-release V (PEP 440 then excludes its base's pre-releases).
   */
  approximate: string[];
}

/**
 * Translate a PEP 440 specifier ("~=1.4.2, !=1.4.5") into constraints that
 * Debian and RPM can express and that select the same versions, as the
 * `packaging` library's SpecifierSet.contains(prereleases=True) does.
 */
export function translateSpecifier(specifier: string): TranslatedSpecifier {
  const constraints: Constraint[] = [];
  const dropped: string[] = [];
  const approximate: string[] = [];
  for (const clause of specifier.split(',').map((c) => c.trim()).filter(Boolean)) {
    const m = /^(===|~=|==|!=|<=|>=|<|>)\s*(.+)$/.exec(clause);
    if (!m) throw new ConfigError('INVALID_REQUIREMENT', `"${clause}" is not a version clause.`);
    const [, op, raw] = m as unknown as [string, string, string];
    if (op === '!=') {
      dropped.push(clause);
      continue;
    }
    if (op === '===') {
      // Arbitrary equality compares strings; as a dependency, the closest is ==.
      approximate.push(clause);
    }
    if (raw.endsWith('.*')) {
      // Prefix match: every version (pre, dev, post, local) whose release starts with the prefix.
      const prefix = raw.slice(0, -2);
      parsePep440(prefix);
      constraints.push({ op: '>=', version: prefix, position: 'belowPre' }, { op: '<', version: bumpLast(prefix), position: 'belowPre' });
      continue;
    }
    const v = parsePep440(raw);
    switch (op) {
      case '>=':
        constraints.push({ op: '>=', version: raw, position: 'at' });
        break;
      case '>': {
        // For a final V: above V and all its post-releases and local versions.
        const final = !v.pre && v.post === undefined && v.dev === undefined;
        if (!final) approximate.push(clause);
        constraints.push({ op: '>=', version: raw, position: final ? 'aboveAll' : 'aboveLocal' });
        break;
      }
      case '<=':
        constraints.push({ op: '<', version: raw, position: 'aboveLocal' });
        break;
      case '<':
        // Excludes V's pre-releases unless V is one.
        if (v.post !== undefined && !isPreRelease(raw)) approximate.push(clause);
        constraints.push({ op: '<', version: raw, position: isPreRelease(raw) || v.post !== undefined ? 'at' : 'belowPre' });
        break;
      case '==':
      case '===':
        if (v.local) constraints.push({ op: '=', version: raw, position: 'at' });
        else constraints.push({ op: '>=', version: raw, position: 'at' }, { op: '<', version: raw, position: 'aboveLocal' });
        break;
      case '~=': {
        const prefix = v.release.slice(0, Math.max(1, v.release.length - 1)).join('.');
        constraints.push({ op: '>=', version: raw, position: 'at' }, { op: '<', version: bumpLast(prefix), position: 'belowPre' });
        break;
      }
    }
  }
  return { constraints, dropped, approximate };
}
