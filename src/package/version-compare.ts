/**
 * The distributions' own version orders, in TypeScript, for deciding which
 * versions of a package a repository keeps: dpkg's (Debian Policy §5.6.12,
 * dpkg's verrevcmp) and rpm's (rpmvercmp, including `~` and `^`).
 * Both are property-tested against `dpkg --compare-versions` and rpm's vercmp.
 */

/** dpkg's character order: `~` before everything (even the end), then the end, letters, then other characters. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /[0-9]/.test(a[i]!) && j < b.length && /[0-9]/.test(b[j]!)) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i]!)) return 1;
    if (j < b.length && /[0-9]/.test(b[j]!)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

function splitDebian(v: string): { epoch: number; upstream: string; revision: string } {
  const colon = v.indexOf(':');
  const epoch = colon >= 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

/** Sign of dpkg's comparison of two Debian versions ([epoch:]upstream[-revision]). */
export function compareDebianVersions(a: string, b: string): number {
  const x = splitDebian(a);
  const y = splitDebian(b);
  if (x.epoch !== y.epoch) return Math.sign(x.epoch - y.epoch);
  return Math.sign(verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision));
}

const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);

/** rpm's rpmvercmp on one version or release string. */
function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    // "~" sorts before everything, even the end.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // "^" sorts after the end, before anything else.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const numeric = /[0-9]/.test(a[i]!);
    const run = numeric ? /[0-9]/ : /[A-Za-z]/;
    let i2 = i;
    let j2 = j;
    while (i2 < a.length && run.test(a[i2]!)) i2++;
    while (j2 < b.length && run.test(b[j2]!)) j2++;
    let x = a.slice(i, i2);
    let y = b.slice(j, j2);
    // A numeric segment is newer than an alphabetic one.
    if (y.length === 0) return numeric ? 1 : -1;
    if (numeric) {
      x = x.replace(/^0+/, '');
      y = y.replace(/^0+/, '');
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    }
    if (x !== y) return x < y ? -1 : 1;
    i = i2;
    j = j2;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** An rpm's epoch, version and release. */
export interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/** Sign of rpm's comparison of two EVRs. */
export function compareRpmEvr(a: Evr, b: Evr): number {
  if (a.epoch !== b.epoch) return Math.sign(a.epoch - b.epoch);
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

/** Sign of rpm's vercmp on two "[epoch:]version[-release]" strings. */
export function compareRpmVersions(a: string, b: string): number {
  const parse = (s: string): Evr => {
    const colon = s.indexOf(':');
    const epoch = colon >= 0 ? Number(s.slice(0, colon)) : 0;
    const rest = colon >= 0 ? s.slice(colon + 1) : s;
    const dash = rest.lastIndexOf('-');
    return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest, release: '' };
  };
  return compareRpmEvr(parse(a), parse(b));
}
