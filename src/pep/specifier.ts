/**
 * PEP 440 versions and specifiers (https://peps.python.org/pep-0440/), taken
 * apart for translation into a distribution's version syntax: the parts of a
 * version, and a specifier as format-neutral constraints (each family renders
 * them in its own syntax, families/versions.ts).
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
