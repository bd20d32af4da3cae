/**
 * As root, sandboxes run as unprivileged uids, and bubblewrap resolves what
 * they bind with those rights: a build root or a helper under /root (0700)
 * cannot be bound. A root there is a clear error (exit 2) before anything is
 * built; pkg2os's own small inputs there are copied beside the box; and the
 * default cache directory, where made roots live, is /var/cache/pkg2os.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContentCache } from '../../src/coordinator/cache/content-cache.js';
import { DEFAULT_BUILD_LIMITS } from '../../src/config/build-limits.js';
import { TARGETS } from '../../src/config/targets.js';
import { silentLogger } from '../../src/log.js';
import { BuildRoots } from '../../src/families/build-roots.js';
import { defaultCacheDir } from '../../src/config/default-dirs.js';
import { HOST_ROOT, runSandboxed } from '../../src/box/sandbox.js';
import { makeWorkDir } from '../../src/box/work-dir.js';
import { IndexServer } from '../support/index-server.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const asRoot = process.getuid?.() === 0;
const why = asRoot ? false : 'only as root do sandboxes run as uids of their own (as another user, the user\'s own rights bind)';
const server = new IndexServer();
let closed: string;

before(async () => {
  server.add('reach-fixture', await makeSdist({ name: 'reach-fixture', version: '1.0', compiled: true }));
  await server.start();
  // A directory like /root: its owner's alone.
  closed = await mkdtemp(join(tmpdir(), 'pkg2os-closed-'));
  await chmod(closed, 0o700);
});
after(() => server.stop());

describe('what a sandbox binds is reachable by its unprivileged uid', { skip: why }, () => {
  it('a build root under a directory closed to others is a clear error (exit 2), and nothing is built', async () => {
    const root = join(closed, 'root');
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await writeFile(join(root, 'usr/bin/python3'), '');
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-reach-'));
    await writeFile(join(dir, 'pkg2os.config.yaml'), `roots:\n  debian-13:\n    path: ${root}\n`);
    const result = await pkg2os(['build', 'reach-fixture', '--target', 'debian-13', '--index-url', server.url, '--out', join(dir, 'out'), '--format', 'deb'], {}, dir);
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot reach the build root ${root}: ${closed} is not open to others \\(mode 700\\)`));
    assert.match(result.stderr, /hint: Keep build roots where every user may pass/);
    assert.doesNotMatch(result.stderr, /Can't find source path|internal error/);
  });

  it('a helper under a directory closed to others is copied beside the box and read from there', async () => {
    const helper = join(closed, 'helper.py');
    await writeFile(helper, 'print("helper ran")\n');
    const work = await makeWorkDir();
    const box = join(work.path, 'box');
    await mkdir(box);
    const helpers = join(closed, 'site');
    await mkdir(helpers);
    await writeFile(join(helpers, 'sitecustomize.py'), 'import sys\nsys.helped = True\n');
    // Twice in the same box, a file then a directory at the same place, as a build's several steps do.
    for (const [host, inside, argv] of [[helper, '/pkg2os/helper.py', ['/pkg2os/helper.py']], [helpers, '/pkg2os/site', ['-c', 'import sys; print("helper ran" if sys.helped else "")']]] as const) {
      const { stdout } = await runSandboxed({ argv: ['/usr/bin/python3', ...argv], root: HOST_ROOT, box, readOnly: [{ host, inside }], cwd: '/build', env: { PYTHONPATH: '/pkg2os/site' }, limits: DEFAULT_BUILD_LIMITS.sandbox, purpose: 'running a helper', capture: true });
      assert.equal(stdout.trim(), 'helper ran');
    }
  });

  it('the cache directory lets the uids pass to the roots in it (0711), and keeps its entries private (0700), also those of an older, 0700 cache', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pkg2os-cache-modes-')), 'cache');
    await mkdir(join(dir, 'roots'), { recursive: true, mode: 0o755 });
    await mkdir(join(dir, 'built-wheel'), { mode: 0o755 });
    await chmod(dir, 0o700);
    await new BuildRoots({ dir, settings: {}, logger: silentLogger }).peek(TARGETS['debian-13']!);
    const cache = new ContentCache(dir);
    await cache.put('sdist-metadata', 'k'.repeat(64), { ok: true });
    const mode = async (p: string) => (await stat(join(dir, p))).mode & 0o777;
    assert.equal((await mode('.')) & 0o011, 0o011, 'others may pass through the cache directory');
    assert.equal((await mode('.')) & 0o044, 0, 'nobody else may list it');
    assert.equal(await mode('roots'), 0o755);
    assert.equal(await mode('built-wheel'), 0o700, 'an older entry directory is made private');
    assert.equal(await mode('sdist-metadata'), 0o700);
  });

  it('as root, the default cache directory (where made roots live) is /var/cache/pkg2os, not /root/.cache', () => {
    const saved = { cache: process.env.PKG2OS_CACHE_DIR, xdg: process.env.XDG_CACHE_HOME };
    delete process.env.PKG2OS_CACHE_DIR;
    delete process.env.XDG_CACHE_HOME;
    try {
      assert.equal(defaultCacheDir(), '/var/cache/pkg2os');
    } finally {
      if (saved.cache !== undefined) process.env.PKG2OS_CACHE_DIR = saved.cache;
      if (saved.xdg !== undefined) process.env.XDG_CACHE_HOME = saved.xdg;
    }
  });
});
