/**
 * 7. The build farm's overhead: the fixture set built through the queue with
 * one and with two `pkg2os worker` processes on this machine, against the
 * same build made locally. Same machine, so the point is the cost the queue,
 * the store and the coordinator add per job, not a speed-up.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shipped } from '../src/paths.js';
import { TestRedis, TestWorker } from '../test/support/farm.js';
import { measure, row } from './measure.js';

export async function benchFarm(set: { label: string; indexUrl: string; names: string[] }): Promise<void> {
  const pkg2os = shipped('bin', 'pkg2os');
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-bench-farm-'));
  const common = ['build', ...set.names, '--index-url', set.indexUrl, '--no-deps', '--no-lockfile', '--no-progress', '--no-cache', '--maintainer', 'Bench <bench@example.org>'];
  const local = await measure(pkg2os, [...common, '--out', join(dir, 'local'), '--jobs', '2']);
  const redis = await TestRedis.start();
  try {
    for (const count of [1, 2]) {
      const store = await mkdtemp(join(tmpdir(), 'pkg2os-bench-store-'));
      const workers = Array.from({ length: count }, () => TestWorker.start(redis.url, store, ['debian-12']));
      for (const w of workers) await w.ready();
      const farm = await measure(pkg2os, [...common, '--out', join(dir, `farm-${count}`), '--jobs', '2', '--queue', redis.url, '--store', store]);
      const perJob = ((farm.seconds - local.seconds) / set.names.length) * 1000;
      row(`7. ${set.label} through the build farm, ${count} local worker(s), vs a local build --jobs 2 (overhead per job: ${perJob.toFixed(0)} ms)`, farm, local, 'report');
      for (const w of workers) await w.stop();
    }
  } finally {
    await redis.stop();
  }
}
