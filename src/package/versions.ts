/**
 * PEP 440 versions (https://peps.python.org/pep-0440/) in Debian's and RPM's
 * version syntax, chosen so that both sort like PEP 440:
 * - pre-releases and dev releases sort before the release with "~"
 *   (Debian Policy §5.6.12; RPM ≥ 4.10), dev releases below pre-releases ("~~dev");
 * - post-releases sort after it with "+post" (Debian) and "^post" (RPM ≥ 4.15);
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

function upstreamPart(p: Pep440Parts, postMark: '+' | '^'): string {
  let s = p.release.join('.');
  if (p.pre) s += `~${p.pre.label}${p.pre.number}`;
  if (p.post !== undefined) s += `${postMark}post${p.post}`;
  if (p.dev !== undefined) s += p.pre || p.post !== undefined ? `~dev${p.dev}` : `~~dev${p.dev}`;
  if (p.local) s += `${postMark === '+' ? '+0' : '^0'}.${p.local.replace(/[^A-Za-z0-9.]/g, '.')}`;
  return s;
}

/** Debian upstream version (with "N:" epoch), without revision. */
export function toDebianVersion(version: string): string {
  const p = parsePep440(version);
  return `${p.epoch > 0 ? `${p.epoch}:` : ''}${upstreamPart(p, '+')}`;
}

/** RPM Epoch (0 when none) and Version. */
export function toRpmVersion(version: string): { epoch: number; version: string } {
  const p = parsePep440(version);
  return { epoch: p.epoch, version: upstreamPart(p, '^') };
}

/** True when the version is a pre- or dev release. */
export function isPreRelease(version: string): boolean {
  const p = parsePep440(version);
  return p.pre !== undefined || p.dev !== undefined;
}

/** The release after `V.*`'s prefix: "1.4" → "1.5" (for ==1.4.* and ~=). */
export function bumpLast(release: string): string {
  const parts = release.split('.');
  const last = Number(parts.pop());
  return [...parts, String(last + 1)].join('.');
}

export type VersionOp = '>=' | '<=' | '>' | '<' | '=';
/** A format-neutral version constraint on a translated version. */
export interface Constraint {
  op: VersionOp;
  /** PEP 440 version (translated by each format). */
  version: string;
  /** Append "~~" (Debian) / "~~" (RPM) so that pre-releases of `version` fall below it. */
  belowPre?: boolean;
  /** Append "+~" / "^~": just above every revision of `version`, below its post-releases. */
  aboveRevisions?: boolean;
}

/**
 * Translate a PEP 440 specifier ("~=1.4.2, !=1.4.5") into constraints that
 * Debian and RPM can express. `!=` cannot be expressed in a dependency and
 * is returned in `dropped`.
 */
export function translateSpecifier(specifier: string): { constraints: Constraint[]; dropped: string[] } {
  const constraints: Constraint[] = [];
  const dropped: string[] = [];
  for (const clause of specifier.split(',').map((c) => c.trim()).filter(Boolean)) {
    const m = /^(===|~=|==|!=|<=|>=|<|>)\s*(.+)$/.exec(clause);
    if (!m) throw new ConfigError('INVALID_REQUIREMENT', `"${clause}" is not a version clause.`);
    const [, op, raw] = m as unknown as [string, string, string];
    if (op === '!=') {
      dropped.push(clause);
      continue;
    }
    if (raw.endsWith('.*')) {
      const base = raw.slice(0, -2);
      parsePep440(base);
      constraints.push({ op: '>=', version: base, belowPre: true }, { op: '<', version: bumpLast(base), belowPre: true });
      continue;
    }
    parsePep440(raw);
    switch (op) {
      case '>=':
        constraints.push({ op: '>=', version: raw });
        break;
      case '>':
        constraints.push({ op: '>', version: raw, aboveRevisions: true });
        break;
      case '<=':
        constraints.push({ op: '<=', version: raw, aboveRevisions: true });
        break;
      case '<':
        constraints.push({ op: '<', version: raw, belowPre: !isPreRelease(raw) });
        break;
      case '==':
      case '===':
        constraints.push({ op: '>=', version: raw }, { op: '<=', version: raw, aboveRevisions: true });
        break;
      case '~=': {
        const release = parsePep440(raw).release;
        const prefix = release.slice(0, Math.max(1, release.length - 1)).join('.');
        constraints.push({ op: '>=', version: raw }, { op: '<', version: bumpLast(prefix), belowPre: true });
        break;
      }
    }
  }
  return { constraints, dropped };
}
