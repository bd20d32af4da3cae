/**
 * The TypeScript version orders that decide retention agree with the
 * distributions' own: dpkg --compare-versions and rpm's vercmp, on random
 * versions (fast-check) and on the versions pkg2os itself makes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareDebianVersions } from '../../src/families/debian/version-compare.js';
import { compareRpmVersions } from '../../src/families/rpm/version-compare.js';
import { toDebianVersion } from '../../src/families/debian/versions.js';
import { toRpmVersion } from '../../src/families/rpm/versions.js';
import { dpkgCompare, rpmCompareMany } from '../support/distro-compare.js';
import { versionArb } from '../support/pep440-arbitrary.js';

const runs = Number(process.env.PKG2OS_PROPERTY_RUNS ?? 12);
const segment = (chars: string) => fc.array(fc.constantFrom(...chars.split('')), { minLength: 1, maxLength: 6 }).map((a) => a.join(''));
// Debian: upstream must start with a digit; revision from [A-Za-z0-9+.~].
const debianArb = fc
  .tuple(fc.constantFrom('', '1:', '2:'), fc.integer({ min: 0, max: 20 }), segment('0123456789.+~abcZ'), fc.option(segment('0123456789.+~a'), { nil: undefined }))
  .map(([epoch, head, rest, rev]) => `${epoch}${head}${rest}${rev ? `-${rev}` : ''}`);
const rpmArb = fc
  .tuple(fc.constantFrom('', '1:'), segment('0123456789.~^_abcZ'), segment('0123456789.~^a'))
  .map(([epoch, v, r]) => `${epoch}${v}-${r}`);

describe('version orders (against dpkg and rpm)', () => {
  it('compareDebianVersions agrees with dpkg --compare-versions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(debianArb, debianArb), { minLength: 10, maxLength: 10 }), async (pairs) => {
        for (const [a, b] of pairs) assert.equal(compareDebianVersions(a, b), await dpkgCompare(a, b), `${a} vs ${b}`);
      }),
      { numRuns: runs },
    );
  });

  it('compareRpmVersions agrees with rpm vercmp', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(rpmArb, rpmArb), { minLength: 50, maxLength: 50 }), async (pairs) => {
        const signs = await rpmCompareMany(pairs);
        pairs.forEach(([a, b], i) => assert.equal(compareRpmVersions(a, b), signs[i], `${a} vs ${b}`));
      }),
      { numRuns: runs * 2 },
    );
  });

  it('agrees on the versions pkg2os makes, with revisions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(versionArb, versionArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })), { minLength: 25, maxLength: 25 }), async (cases) => {
        const rpmPairs = cases.map(([a, b, r, s]): [string, string] => {
          const x = toRpmVersion(a);
          const y = toRpmVersion(b);
          return [`${x.epoch}:${x.version}-${r}`, `${y.epoch}:${y.version}-${s}`];
        });
        const signs = await rpmCompareMany(rpmPairs);
        for (const [i, [a, b, r, s]] of cases.entries()) {
          const [da, db] = [`${toDebianVersion(a)}-${r}`, `${toDebianVersion(b)}-${s}`];
          assert.equal(compareDebianVersions(da, db), await dpkgCompare(da, db), `${da} vs ${db}`);
          assert.equal(compareRpmVersions(...rpmPairs[i]!), signs[i], `${rpmPairs[i]}`);
        }
      }),
      { numRuns: runs },
    );
  });

  it('orders the cases Debian Policy names', () => {
    assert.equal(compareDebianVersions('1.0~rc1-1', '1.0-1'), -1);
    assert.equal(compareDebianVersions('1.0-2', '1.0-10'), -1);
    assert.equal(compareDebianVersions('1:0.1-1', '2.0-1'), 1);
    assert.equal(compareRpmVersions('1.0^post1-1', '1.0-1'), 1);
    assert.equal(compareRpmVersions('1.0~rc1-1', '1.0-1'), -1);
  });
});
