import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compare } from '@renovatebot/pep440';
import { ConfigError } from '../../src/errors.js';
import { boundVersion as boundIn } from '../../src/families/shared/versions.js';
import { DEBIAN_SYNTAX, toDebianVersion } from '../../src/families/debian/versions.js';
import { RPM_SYNTAX, toRpmVersion } from '../../src/families/rpm/versions.js';
import { translateSpecifier } from '../../src/pep/specifier.js';
import type { Constraint } from '../../src/pep/specifier.js';

/** A bound in a format's syntax. */
const boundVersion = (c: Constraint, format: 'deb' | 'rpm') => boundIn(c, format === 'deb' ? DEBIAN_SYNTAX : RPM_SYNTAX);
import { throwsWithCode } from '../support/assert-error.js';
import { dpkgCompare, rpmCompareMany } from '../support/distro-compare.js';

describe('PEP 440 → Debian and RPM versions', () => {
  const table: Array<[string, string, string, number]> = [
    // PEP 440, Debian, RPM version, RPM epoch
    ['3.2.25', '3.2.25', '3.2.25', 0],
    ['1', '1.0', '1.0', 0],
    ['2.31.0', '2.31', '2.31', 0],
    ['1.0.0rc1', '1.0~rc1', '1.0~rc1', 0],
    ['1.0+ubuntu.2', '1.0+~hfgchfgohehf.2', '1.0^~hfgchfgohehf.2', 0],
    ['1.0rc1', '1.0~rc1', '1.0~rc1', 0],
    ['1.0a2', '1.0~a2', '1.0~a2', 0],
    ['1.0b1', '1.0~b1', '1.0~b1', 0],
    ['1.0.dev3', '1.0~~dev3', '1.0~~dev3', 0],
    ['1.0a1.dev2', '1.0~a1~dev2', '1.0~a1~dev2', 0],
    ['1.0.post2', '1.0+post2', '1.0^post2', 0],
    ['1.0.post2.dev1', '1.0+post2~dev1', '1.0^post2~dev1', 0],
    ['2!1.0', '2:1.0', '1.0', 2],
    ['1.0RC1', '1.0~rc1', '1.0~rc1', 0],
    ['1.0-1', '1.0+post1', '1.0^post1', 0],
  ];
  for (const [pep, deb, rpm, epoch] of table) {
    it(`${pep} → ${deb} / ${epoch ? `${epoch}:` : ''}${rpm}`, () => {
      assert.equal(toDebianVersion(pep), deb);
      assert.deepEqual(toRpmVersion(pep), { epoch, version: rpm });
    });
  }

  it('sorts like PEP 440 under dpkg and rpm themselves', async () => {
    const versions = ['0.9', '1.0.dev1', '1.0a1.dev1', '1.0a1', '1.0a1.post1', '1.0a2', '1.0b1', '1.0rc1', '1.0rc1.post1.dev1', '1.0', '1.0.post1.dev1', '1.0.post1', '1.0.1', '1.1', '1!0.1'];
    const pairs: Array<[string, string]> = [];
    for (const a of versions) for (const b of versions) if (a !== b) pairs.push([a, b]);
    const rpmSigns = await rpmCompareMany(pairs.map(([a, b]) => {
      const x = toRpmVersion(a);
      const y = toRpmVersion(b);
      return [`${x.epoch}:${x.version}`, `${y.epoch}:${y.version}`];
    }));
    for (const [i, [a, b]] of pairs.entries()) {
      const expected = Math.sign(compare(a, b));
      assert.equal(await dpkgCompare(toDebianVersion(a), toDebianVersion(b)), expected, `dpkg: ${a} vs ${b}`);
      assert.equal(rpmSigns[i], expected, `rpm: ${a} vs ${b}`);
    }
  });

  it('refuses a malformed version', () => {
    throwsWithCode(() => toDebianVersion('1.0-beta-final'), ConfigError, 'INVALID_VERSION');
  });
});

describe('PEP 440 specifiers → dependency constraints', () => {
  it('translates each operator', () => {
    assert.deepEqual(translateSpecifier('>=1.2, <2').constraints, [{ op: '>=', version: '1.2', position: 'at' }, { op: '<', version: '2', position: 'belowPre' }]);
    assert.deepEqual(translateSpecifier('~=1.4.2').constraints, [{ op: '>=', version: '1.4.2', position: 'at' }, { op: '<', version: '1.5', position: 'belowPre' }]);
    assert.deepEqual(translateSpecifier('==1.4.*').constraints, [{ op: '>=', version: '1.4', position: 'belowPre' }, { op: '<', version: '1.5', position: 'belowPre' }]);
    assert.deepEqual(translateSpecifier('==1.4').constraints, [{ op: '>=', version: '1.4', position: 'at' }, { op: '<', version: '1.4', position: 'aboveLocal' }]);
    assert.deepEqual(translateSpecifier('>1.4').constraints, [{ op: '>=', version: '1.4', position: 'aboveAll' }]);
    assert.deepEqual(translateSpecifier('<=1.4').constraints, [{ op: '<', version: '1.4', position: 'aboveLocal' }]);
  });
  it('renders bounds for each format', () => {
    const [lower, upper] = translateSpecifier('==1.4').constraints;
    assert.equal(boundVersion(lower!, 'deb'), '1.4');
    assert.equal(boundVersion(upper!, 'deb'), '1.4+o');
    assert.equal(boundVersion(upper!, 'rpm'), '1.4^o');
    assert.equal(boundVersion(translateSpecifier('>1.4').constraints[0]!, 'deb'), '1.4.0');
    assert.equal(boundVersion(translateSpecifier('>=2!1.4').constraints[0]!, 'rpm'), '2:1.4');
  });
  it('says which clauses it can only approximate', () => {
    assert.deepEqual(translateSpecifier('>1.0a1, <2.0.post1, >=1').approximate, ['>1.0a1', '<2.0.post1']);
  });
  it('reports "!=" as not expressible instead of dropping it silently', () => {
    const { constraints, dropped } = translateSpecifier('>=1, !=1.5');
    assert.deepEqual(dropped, ['!=1.5']);
    assert.equal(constraints.length, 1);
  });
});
