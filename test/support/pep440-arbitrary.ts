/** fast-check generators of PEP 440 versions and specifiers, biased towards the cases that break translations. */
import fc from 'fast-check';

const small = fc.integer({ min: 0, max: 3 });

export const releaseArb = fc.array(small, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

const localSegment = fc.constantFrom('1', '2', '10', '0', 'abc', 'abd', 'ab', 'z', 'local', 'x9');

export const versionArb: fc.Arbitrary<string> = fc
  .record({
    epoch: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
    release: releaseArb,
    pre: fc.option(fc.tuple(fc.constantFrom('a', 'b', 'rc'), small), { nil: undefined }),
    post: fc.option(small, { nil: undefined }),
    dev: fc.option(small, { nil: undefined }),
    local: fc.option(fc.array(localSegment, { minLength: 1, maxLength: 2 }).map((s) => s.join('.')), { nil: undefined, freq: 6 }),
  })
  .map(({ epoch, release, pre, post, dev, local }) => {
    let v = epoch ? `${epoch}!${release}` : release;
    if (pre) v += `${pre[0]}${pre[1]}`;
    if (post !== undefined) v += `.post${post}`;
    if (dev !== undefined) v += `.dev${dev}`;
    if (local) v += `+${local}`;
    return v;
  });

/** Versions without local labels: what a specifier may name. */
export const publicVersionArb = versionArb.map((v) => v.replace(/\+.*$/, ''));

export const specifierArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('>=', '>', '<=', '<', '=='), publicVersionArb).map(([op, v]) => `${op}${v}`),
  fc.tuple(fc.array(small, { minLength: 2, maxLength: 3 }).map((p) => p.join('.'))).map(([v]) => `~=${v}`),
  fc.tuple(fc.array(small, { minLength: 1, maxLength: 2 }).map((p) => p.join('.'))).map(([v]) => `==${v}.*`),
);

/** Specifiers whose translation is exact: `>V` only for final V, `<V` not for post-release V (see translateSpecifier). */
export const exactSpecifierArb = specifierArb.filter((spec) => {
  const m = /^(>|<)(?!=)(.*)$/.exec(spec);
  if (!m) return true;
  const v = m[2]!;
  if (m[1] === '>') return !/(a|b|rc|post|dev)\d/.test(v);
  return !/post\d/.test(v) || /(a|b|rc|dev)\d/.test(v);
});
