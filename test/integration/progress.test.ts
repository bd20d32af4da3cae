/**
 * What a person sees: on a terminal (a real pseudo-terminal from script(1)),
 * a live view redrawn in place with counts and running jobs; with
 * --no-progress, in CI or on a pipe, plain one-line-per-event logs.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { IndexServer } from '../support/index-server.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const server = new IndexServer();
before(async () => {
  server.add('view-one', await makeSdist({ name: 'view-one', version: '1.0', dependencies: ['view-two'] }));
  server.add('view-two', await makeSdist({ name: 'view-two', version: '2.0' }));
  await server.start();
});
after(() => server.stop());

/** Run pkg2os on a pseudo-terminal; returns everything the terminal received. */
async function onTerminal(args: string[], env: Record<string, string | undefined> = {}): Promise<{ exitCode: number; screen: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-tty-'));
  const command = [shipped('bin', 'pkg2os'), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  // A terminal of 40×120 (script's pseudo-terminal has no size of its own).
  const result = await execa('script', ['-qefc', `stty rows 40 columns 120; exec ${command}`, '/dev/null'], {
    cwd: dir,
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', PKG2OS_KEYS_DIR: join(dir, 'keys'), PKG2OS_CACHE_DIR: join(dir, 'cache'), ...env },
  });
  return { exitCode: result.exitCode ?? -1, screen: String(result.stdout) };
}

const build = (...extra: string[]) => ['build', 'view-one', '--index-url', server.url, '--out', 'out', '--format', 'deb', '--maintainer', 'View <view@example.org>', ...extra];

describe('progress output', () => {
  it('on a terminal: a live view with running jobs, counts and elapsed time, redrawn in place', async () => {
    const { exitCode, screen } = await onTerminal(build());
    assert.equal(exitCode, 0, screen);
    assert.match(screen, /pkg2os \d+\.\ds {2}built \d+ · reused \d+ · failed 0 · running \d+/, 'a status line');
    assert.match(screen, /built 2 · reused 0 · failed 0/, 'the counts reach the end');
    assert.match(screen, / {2}view-(one|two) \S+ +(downloading|building the wheel|packaging)/, 'a line per running job');
    assert.match(screen, /\x1b\[2K/, 'lines are erased and redrawn (ANSI), not appended');
    assert.doesNotMatch(screen, /pkg2os: view-one 1\.0: downloading/, 'no per-event log lines');
    assert.match(screen, /summary: 2 package file\(s\) built/, 'the summary stays when the view goes');
  });

  it('with --no-progress, or in CI, a terminal gets plain one-line-per-event logs', async () => {
    for (const [args, env] of [[['--no-progress'], {}], [[], { CI: 'true' }]] as const) {
      const { exitCode, screen } = await onTerminal(build(...args), env);
      assert.equal(exitCode, 0, screen);
      assert.match(screen, /pkg2os: view-one 1\.0: downloading view_one-1\.0\.tar\.gz\r?\n/);
      assert.match(screen, /pkg2os: view-two 2\.0: packaging deb for debian-12\r?\n/);
      assert.doesNotMatch(screen, /\x1b\[/, 'no escape sequences');
    }
  });

});
