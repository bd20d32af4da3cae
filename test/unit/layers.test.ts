/**
 * The folders of src/ are layers, in the order data and trust flow: a module
 * imports its own folder or a lower layer, never a higher one or a sibling,
 * and no file grows past the size where it stops being one job.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { shipped } from '../../src/paths.js';

/** Lowest first; folders on one line are siblings that must not import each other. */
const LAYERS = [['(root)'], ['pep'], ['config'], ['host', 'keys'], ['sandbox'], ['cache'], ['index'], ['plan', 'verify'], ['wheel'], ['sdist', 'stage'], ['package'], ['publish'], ['farm'], ['pipeline'], ['cli']];
const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

const folderOf = (src: string, file: string) => (relative(src, file).includes('/') ? relative(src, file).split('/')[0]! : '(root)');

describe('the layers of src/', () => {
  const src = shipped('src');
  const files = sources(src);

  it('every folder has a layer', () => {
    for (const file of files) assert.ok(rank.has(folderOf(src, file)), `${relative(src, file)}: its folder is in no layer of test/unit/layers.test.ts`);
  });

  it('no import runs up a layer or across to a sibling', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = folderOf(src, file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
        const target = join(file, '..', m[1]!.replace(/\.js$/, '.ts'));
        const to = folderOf(src, target);
        if (to !== from && !(rank.get(to)! < rank.get(from)!)) wrong.push(`${relative(src, file)} imports ${relative(src, target)} (${from} → ${to})`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('no module is over 300 lines', () => {
    const long = files.map((f) => [relative(src, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    assert.deepEqual(long, []);
  });
});
