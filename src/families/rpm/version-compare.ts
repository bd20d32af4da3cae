/**
 * rpm's version order (rpmvercmp, including `~` and `^`) in TypeScript, for
 * deciding which versions of a package a repository keeps; property-tested
 * against rpm's vercmp.
 */

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
