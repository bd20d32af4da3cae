/**
 * The folders of src/ are layers, in the order data and trust flow, and the
 * trust zones are folders: the coordinator (coordinator/: keys, verify, plan,
 * publish, cache), the box (box/: every run of upstream code and every helper
 * that runs inside it) and the keyless worker (worker/). A module imports its
 * own folder or a lower layer, never a higher one or a sibling; the worker
 * reaches no key, no publishing, no index client and no verifier; box code
 * imports no coordinator code; no code outside families/ branches on a
 * distribution family, a package format or a repository kind; no file grows
 * past the size where it stops being one job.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { shipped } from '../../src/paths.js';

/** Lowest first; folders on one line are siblings that must not import each other. A file's layer is its deepest listed folder. */
const LAYERS = [
  ['(root)'],
  ['pep'],
  ['config'],
  ['host'],
  ['box'],
  ['families/shared'],
  ['families/debian', 'families/rpm'],
  ['families'],
  ['build', 'farm'],
  ['worker', 'coordinator/keys', 'coordinator/cache'],
  ['coordinator/index'],
  ['coordinator/verify', 'coordinator/plan'],
  ['coordinator/prepare'],
  ['coordinator/stage'],
  ['coordinator/package'],
  ['coordinator/publish'],
  ['families/debian/apt', 'families/rpm/yum'],
  ['coordinator/repositories'],
  ['coordinator/farm'],
  ['coordinator/pipeline'],
  ['cli'],
];
const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

const src = shipped('src');

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** The layer of a file: its deepest folder that has one ('(root)' for the files at the top). */
function layerOf(file: string): string {
  for (let dir = relative(src, dirname(file)); ; dir = dirname(dir)) {
    if (dir === '.' || dir === '') return '(root)';
    if (rank.has(dir)) return dir;
  }
}

/** Every relative module a file imports, statically or dynamically, as source paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms), ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]!);
  return specs.map((s) => join(file, '..', s.replace(/\.js$/, '.ts')));
}

/** The npm packages a file imports. */
function packagesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^.'][^']*)'/gms), ...text.matchAll(/import\(\s*'([^.'][^']*)'\s*\)/g)].map((m) => m[1]!).filter((p) => !p.startsWith('node:'));
}

/** Everything reachable from `entries` through imports (static and dynamic). */
function closure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file));
  }
  return seen;
}

describe('the layers of src/', () => {
  const files = sources(src);

  it('every folder has a layer, and the three zones are folders of src/', () => {
    for (const file of files) assert.ok(rank.has(layerOf(file)), `${relative(src, file)}: its folder is in no layer of test/unit/layers.test.ts`);
    const top = readdirSync(src);
    for (const zone of ['coordinator', 'box', 'worker']) assert.ok(top.includes(zone), `src/${zone}/ is missing`);
  });

  it('no import runs up a layer or across to a sibling', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to !== from && !(rank.get(to)! < rank.get(from)!)) wrong.push(`${relative(src, file)} imports ${relative(src, target)} (${from} → ${to})`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('the worker reaches no key, no publishing, no index client and no verifier, not even through another module', () => {
    const reached = closure(files.filter((f) => relative(src, f).startsWith('worker/')));
    const forbidden = [...reached].map((f) => relative(src, f)).filter((f) => f.startsWith('coordinator/') || f.startsWith('families/debian/apt/') || f.startsWith('families/rpm/yum/'));
    assert.deepEqual(forbidden, [], 'modules of the coordinator the worker would load');
    const packages = [...reached].flatMap(packagesOf).filter((p) => /^(openpgp|@sigstore\/)/.test(p));
    assert.deepEqual([...new Set(packages)], [], 'OpenPGP/Sigstore verifiers the worker would load');
  });

  it('box code imports nothing of the coordinator, the worker, the build or the families', () => {
    const wrong = files.filter((f) => relative(src, f).startsWith('box/')).flatMap((f) => importsOf(f).map((t) => [relative(src, f), relative(src, t)] as const)).filter(([, t]) => !t.startsWith('box/') && !['(root)', 'pep', 'config', 'host'].includes(layerOf(join(src, t))));
    assert.deepEqual(wrong, []);
  });

  it('only the verify stage can make a VerifiedArtifact', () => {
    const maker = /new VerifiedArtifact\(|issueVerifiedArtifact/;
    const makers = files.filter((f) => maker.test(readFileSync(f, 'utf8'))).map((f) => relative(src, f));
    assert.ok(makers.every((f) => f.startsWith('coordinator/verify/')), `made outside the verify stage: ${makers.join(', ')}`);
    const tests = sources(shipped('test')).filter((f) => !f.endsWith('layers.test.ts') && maker.test(readFileSync(f, 'utf8')));
    assert.deepEqual(tests.map((f) => relative(shipped('test'), f)), [], 'tests make VerifiedArtifacts through the verify stage');
  });

  it('outside families/ no code branches on a family, a format or a repository kind', () => {
    const names = '(?:deb|rpm|debian|apt|yum|dnf|dpkg)';
    const branch = new RegExp(`(?:[=!]==?\\s*'${names}'|'${names}'\\s*[=!]==?|case\\s+'${names}'\\s*:|\\.(?:family|format)\\s*[=!]==?\\s*'|\\.includes\\('${names}'\\))`);
    const wrong: string[] = [];
    for (const file of files.filter((f) => !relative(src, f).startsWith('families/'))) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (branch.test(line)) wrong.push(`${relative(src, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(wrong, []);
  });

  it('only the CLI\'s terminal module writes to stdout and stderr (and the live view, through it): untrusted text is made visible first', () => {
    const writers = files.filter((f) => /process\.std(out|err)\.write|console\.(log|error|warn)/.test(readFileSync(f, 'utf8'))).map((f) => relative(src, f));
    assert.deepEqual(writers, ['cli/terminal.ts']);
  });

  it('no module is over 300 lines', () => {
    const long = files.map((f) => [relative(src, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    assert.deepEqual(long, []);
  });
});
