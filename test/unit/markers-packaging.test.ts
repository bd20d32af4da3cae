/** Marker evaluation checked against python3-packaging on a table of markers × target environments. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { TARGETS, markerEnvironment } from '../../src/config/targets.js';
import { evaluateMarker, parseMarker } from '../../src/pep/markers.js';

const MARKERS = [
  'python_version < "3.10"',
  'python_version >= "3.11"',
  'python_version > "3.9" and python_version < "3.13"',
  '"3.10" > python_version',
  'python_full_version >= "3.9.2"',
  'python_full_version < "3.12.1"',
  'python_version ~= "3.11"',
  'python_version == "3.*"',
  'python_version != "3.11"',
  'python_version in "3.9 3.10"',
  'python_version not in "3.11"',
  'sys_platform == "linux"',
  'sys_platform != "win32" and os_name == "posix"',
  'platform_system == "Windows" or python_version < "3.10"',
  '(platform_machine == "x86_64" or platform_machine == "aarch64") and implementation_name == "cpython"',
  'platform_python_implementation == "CPython"',
  'implementation_version >= "3.12"',
  '"linux" in sys_platform',
  'extra == "socks"',
  'python_version < "3.11" or extra == "test"',
];

describe('PEP 508 markers agree with python3-packaging for every target', () => {
  it('on the whole table', async () => {
    const envs = Object.values(TARGETS).map((t) => ({ name: t.name, env: markerEnvironment(t) }));
    const script = `
import json, sys
from packaging.markers import Marker
data = json.load(sys.stdin)
print(json.dumps([[Marker(m).evaluate(dict(env, extra="")) for m in data["markers"]] for env in data["envs"]]))`;
    const { stdout } = await execa('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ markers: MARKERS, envs: envs.map((e) => e.env) }) });
    const expected = JSON.parse(stdout) as boolean[][];
    envs.forEach(({ name, env }, i) => {
      MARKERS.forEach((marker, j) => assert.equal(evaluateMarker(parseMarker(marker), env), expected[i]![j], `${marker} on ${name}`));
    });
  });
});
