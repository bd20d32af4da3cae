import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { distroPackageName, normalizeName } from '../../src/pep/names.js';
import { formatRequirement, parseRequirement } from '../../src/pep/requirement.js';
import { throwsWithCode } from '../support/assert-error.js';

describe('PEP 503 names', () => {
  for (const [raw, normalized] of [
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['python_yubico', 'python-yubico'],
    ['Foo__Bar-.baz', 'foo-bar-baz'],
    ['a', 'a'],
  ]) {
    it(`${raw} → ${normalized}`, () => assert.equal(normalizeName(raw!), normalized));
  }
  it('names distribution packages python3-<normalized>', () => {
    assert.equal(distroPackageName('Django'), 'python3-django');
    assert.equal(distroPackageName('ruamel.yaml'), 'python3-ruamel-yaml');
  });
  it('refuses names PEP 508 does not allow', () => {
    for (const bad of ['-foo', 'foo-', 'fo o', 'föö', '']) throwsWithCode(() => normalizeName(bad), ConfigError, 'INVALID_REQUIREMENT');
  });
});

describe('PEP 508 requirements', () => {
  it('parses a bare name', () => {
    const r = parseRequirement('Django');
    assert.deepEqual([r.name, r.project, r.extras, r.specifier, r.marker], ['Django', 'django', [], '', undefined]);
  });
  it('parses specifiers with and without spaces and parentheses', () => {
    assert.equal(parseRequirement('django>=3.2,<4').specifier, '>=3.2, <4');
    assert.equal(parseRequirement('django >= 3.2 , < 4').specifier, '>=3.2, <4');
    assert.equal(parseRequirement('django (>=3.2, <4)').specifier, '>=3.2, <4');
    assert.equal(parseRequirement('foo~=1.4.2').specifier, '~=1.4.2');
    assert.equal(parseRequirement('foo==1.4.*').specifier, '==1.4.*');
    assert.equal(parseRequirement('foo===weird').specifier, '===weird');
  });
  it('parses extras, normalized and sorted', () => {
    const r = parseRequirement('requests[Socks, security]>=2');
    assert.deepEqual(r.extras, ['security', 'socks']);
    assert.equal(formatRequirement(r), 'requests[security,socks] >=2');
  });
  it('parses markers, including ";" inside quotes', () => {
    const r = parseRequirement('foo>=1; python_version < "3.10" and sys_platform == "linux"');
    assert.equal(r.specifier, '>=1');
    assert.equal(r.marker?.kind, 'and');
    const q = parseRequirement(`bar; platform_version == "a;b"`);
    assert.equal(q.marker?.kind, 'compare');
  });
  it('refuses malformed requirements with a clear error', () => {
    for (const bad of ['', '>=1.0', 'django>=', 'django>=3..2', 'django[', 'django>=1;', 'django; python_version <', 'django; nonsense == "1"', 'django >= 1.0 garbage']) {
      const error = throwsWithCode(() => parseRequirement(bad), ConfigError, 'INVALID_REQUIREMENT');
      assert.match(error.message, /is not a valid requirement/);
      assert.ok(error.hint);
    }
  });
  it('refuses direct URL references, which bypass the index hash', () => {
    const error = throwsWithCode(() => parseRequirement('pip @ https://example.org/pip.tar.gz'), ConfigError, 'INVALID_REQUIREMENT');
    assert.match(error.message, /direct URL/);
  });
});
