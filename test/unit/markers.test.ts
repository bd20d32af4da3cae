import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TARGETS, markerEnvironment } from '../../src/config/targets.js';
import { evaluateMarker, parseMarker } from '../../src/pep/markers.js';

const debian = markerEnvironment(TARGETS['debian-12']!);
const el9 = markerEnvironment(TARGETS.el9!);

describe('PEP 508 markers for a target', () => {
  const table: Array<[string, boolean, boolean]> = [
    // marker, debian-12 (3.11), el9 (3.9)
    ['python_version < "3.10"', false, true],
    ['python_version >= "3.11"', true, false],
    ['"3.10" > python_version', false, true],
    ['python_full_version >= "3.9.2"', true, true],
    ['sys_platform == "linux"', true, true],
    ['sys_platform == "win32"', false, false],
    ['os_name == "nt" or python_version < "3.10"', false, true],
    ['(os_name == "posix" and python_version > "3.9") or implementation_name == "pypy"', true, false],
    ['platform_python_implementation == "CPython"', true, true],
    ['"linux" in sys_platform', true, true],
    ['"win" not in sys_platform', true, true],
    ['python_version ~= "3.9"', true, true],
    ['python_version == "3.*"', true, true],
    ['python_version != "3.11"', false, true],
    ['extra == "socks"', false, false],
  ];
  for (const [marker, onDebian, onEl9] of table) {
    it(marker, () => {
      const parsed = parseMarker(marker);
      assert.equal(evaluateMarker(parsed, debian), onDebian, 'debian-12');
      assert.equal(evaluateMarker(parsed, el9), onEl9, 'el9');
    });
  }
  it('is true for an extra only when that extra is requested (names normalized)', () => {
    const m = parseMarker('extra == "Socks_Proxy"');
    assert.equal(evaluateMarker(m, debian, ['socks-proxy']), true);
    assert.equal(evaluateMarker(m, debian, ['other']), false);
    assert.equal(evaluateMarker(m, debian, []), false);
  });
  it('accepts the legacy dotted names', () => {
    assert.equal(evaluateMarker(parseMarker('sys.platform == "linux"'), debian), true);
  });
  it('refuses malformed markers', () => {
    for (const bad of ['python_version', 'python_version <', 'foo == "1"', 'python_version < "3" and', '"a" == "b" "c"']) {
      assert.throws(() => parseMarker(bad), Error, bad);
    }
  });
});
