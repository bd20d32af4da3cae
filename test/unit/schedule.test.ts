/** The job-graph runner, with fake jobs: order, parallelism, cycles, and failures with their causes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GraphJob, runGraph, stronglyConnected } from '../../src/coordinator/pipeline/schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function jobs(spec: Record<string, string[]>, log: string[], fail: Set<string> = new Set(), delay = 5): GraphJob<string>[] {
  return Object.entries(spec).map(([key, dependencies]) => ({
    key,
    dependencies,
    async run() {
      log.push(`start ${key}`);
      await sleep(delay);
      log.push(`end ${key}`);
      if (fail.has(key)) throw new Error(`${key} broke`);
      return key.toUpperCase();
    },
  }));
}

describe('the job graph', () => {
  it('finds the strongly connected components, dependencies first', () => {
    const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['b', 'd'], d: [] };
    assert.deepEqual(stronglyConnected(Object.keys(graph), (k) => graph[k]!), [['d'], ['b', 'c'], ['a']]);
  });

  it('starts a job only after its dependencies ended', async () => {
    const log: string[] = [];
    const outcomes = await runGraph(jobs({ app: ['lib', 'util'], lib: ['util'], util: [] }, log), { concurrency: 4 });
    assert.deepEqual(log, ['start util', 'end util', 'start lib', 'end lib', 'start app', 'end app']);
    assert.deepEqual(outcomes.get('app'), { ok: true, value: 'APP' });
  });

  it('runs independent jobs side by side, never more than the concurrency', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const graph = Array.from({ length: 6 }, (_, i): GraphJob<number> => ({
      key: `j${i}`,
      dependencies: [],
      async run() {
        peak = Math.max(peak, ++running);
        await sleep(20);
        running--;
        log.push(`j${i}`);
        return i;
      },
    }));
    const started = Date.now();
    await runGraph(graph, { concurrency: 2 });
    assert.equal(peak, 2);
    assert.ok(Date.now() - started < 6 * 20, 'faster than one at a time');
  });

  it('fails the dependents of a failed job, naming the dependency, and still runs unrelated jobs', async () => {
    const log: string[] = [];
    const outcomes = await runGraph(jobs({ top: ['mid'], mid: ['bottom'], bottom: [], other: [] }, log, new Set(['bottom'])), { concurrency: 2 });
    const bottom = outcomes.get('bottom')!;
    assert.equal(bottom.ok, false);
    assert.match(String((bottom as { error: Error }).error.message), /bottom broke/);
    assert.deepEqual(outcomes.get('mid'), { ok: false, becauseOf: 'bottom' });
    assert.deepEqual(outcomes.get('top'), { ok: false, becauseOf: 'mid' });
    assert.deepEqual(outcomes.get('other'), { ok: true, value: 'OTHER' });
    assert.ok(!log.includes('start mid') && !log.includes('start top'), 'dependents never ran');
  });

  it('fails the dependents of a job that failed before it was scheduled (planning)', async () => {
    const outcomes = await runGraph(jobs({ app: ['missing'] }, []), { concurrency: 1, failed: ['missing'] });
    assert.deepEqual(outcomes.get('app'), { ok: false, becauseOf: 'missing' });
  });

  it('runs a cycle side by side, and fails all its members when one fails, keeping what the others made', async () => {
    const log: string[] = [];
    const ok = await runGraph(jobs({ a: ['b'], b: ['a'], c: ['a'] }, log), { concurrency: 2 });
    assert.deepEqual([...ok.values()].map((o) => o.ok), [true, true, true]);
    assert.ok(log.indexOf('start c') > log.indexOf('end a') && log.indexOf('start c') > log.indexOf('end b'), 'c waits for the whole cycle');
    const broken = await runGraph(jobs({ a: ['b'], b: ['a'], c: ['a'] }, [], new Set(['b'])), { concurrency: 2 });
    assert.deepEqual(broken.get('a'), { ok: false, becauseOf: 'b', value: 'A' });
    assert.deepEqual(broken.get('c'), { ok: false, becauseOf: 'a' });
  });

  it('handles a long chain without recursion trouble', async () => {
    const spec: Record<string, string[]> = {};
    for (let i = 0; i < 2000; i++) spec[`n${i}`] = i ? [`n${i - 1}`] : [];
    const outcomes = await runGraph(jobs(spec, [], new Set(), 0), { concurrency: 4 });
    assert.equal([...outcomes.values()].filter((o) => o.ok).length, 2000);
  });
});
