/**
 * Child processes get an allow-listed environment: the signing key's path and
 * its passphrase (from the environment or a file) reach no tool pkg2os runs.
 * Each tool on PATH is a wrapper that dumps its environment, then runs the real one.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer } from '../support/index-server.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const TOOLS = ['gpgv', 'createrepo_c', 'rpmsign', 'rpmkeys', 'rpm', 'dpkg-query', 'tar'];
const server = new IndexServer();
let dir: string;
let bin: string;
let dump: string;

before(async () => {
  server.add('env-fixture', await makeSdist({ name: 'env-fixture', version: '1.0' }));
  await server.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-env-'));
  bin = join(dir, 'bin');
  dump = join(dir, 'environments.txt');
  await mkdir(bin);
  for (const tool of TOOLS) {
    await writeFile(join(bin, tool), `#!/bin/sh\n{ echo "== ${tool}"; env; } >> ${dump}\nexec /usr/bin/${tool} "$@"\n`);
    await chmod(join(bin, tool), 0o755);
  }
});
after(() => server.stop());

describe('the environment of child processes', () => {
  for (const via of ['PKG2OS_KEY_PASSPHRASE', 'PKG2OS_KEY_PASSPHRASE_FILE'] as const) {
    it(`never carries the key's path or its passphrase (given by ${via})`, async () => {
      const passphrase = `sesame-${via.length}-${Date.now()}`;
      const work = await mkdtemp(join(dir, 'run-'));
      const key = join(work, 'key');
      const made = await pkg2os(['keys', 'generate', '--name', 'Env', '--email', 'env@example.org', '--out', key, '--type', 'ed25519'], { PKG2OS_KEY_PASSPHRASE: passphrase });
      assert.equal(made.exitCode, 0, made.stderr);
      const secret: Record<string, string> = via === 'PKG2OS_KEY_PASSPHRASE' ? { PKG2OS_KEY_PASSPHRASE: passphrase } : { PKG2OS_KEY_PASSPHRASE_FILE: join(work, 'passphrase') };
      await writeFile(join(work, 'passphrase'), `${passphrase}\n`, { mode: 0o600 });
      await writeFile(dump, '');
      const result = await pkg2os(['build', 'env-fixture', '--index-url', server.url, '--out', join(work, 'out'), '--target', 'debian-12,el9', '--repo', join(work, 'repo'), '--no-lockfile'], {
        ...secret,
        PKG2OS_SIGNING_KEY: join(key, 'private.asc'),
        PATH: `${bin}:${process.env.PATH}`,
      });
      assert.equal(result.exitCode, 0, result.stderr);
      const seen = await readFile(dump, 'utf8');
      // Sandboxes (builds, rpmbuild, dpkg-deb) start from the system's own PATH with an environment of their own; the hostile suite looks at it from inside.
      for (const tool of ['gpgv', 'createrepo_c', 'rpmsign', 'dpkg-query']) assert.match(seen, new RegExp(`^== ${tool}$`, 'm'), `${tool} ran through the wrapper`);
      assert.doesNotMatch(seen, new RegExp(passphrase), 'the passphrase reached a child');
      assert.doesNotMatch(seen, /PKG2OS_KEY_PASSPHRASE|PKG2OS_SIGNING_KEY/, 'a key variable reached a child');
      assert.ok(!seen.includes(join(key, 'private.asc')), 'the key path reached a child');
      assert.ok(!seen.includes(server.url), 'the index URL (which may carry credentials) reached a child');
    });
  }
});
