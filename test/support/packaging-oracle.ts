/** PEP 440 as the reference implementation sees it: python3-packaging, in one process per batch. */
import { execa } from 'execa';

const SCRIPT = `
import json, sys
from packaging.version import Version
from packaging.specifiers import SpecifierSet
data = json.load(sys.stdin)
cmp = lambda a, b: (a > b) - (a < b)
print(json.dumps({
  "order": [cmp(Version(a), Version(b)) for a, b in data.get("pairs", [])],
  "match": [SpecifierSet(s).contains(Version(v), prereleases=True) for v, s in data.get("specs", [])],
}))`;

export async function packagingOracle(input: { pairs?: Array<[string, string]>; specs?: Array<[string, string]> }): Promise<{ order: number[]; match: boolean[] }> {
  const { stdout } = await execa('/usr/bin/python3', ['-c', SCRIPT], { input: JSON.stringify(input) });
  return JSON.parse(stdout);
}
