import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, LockfileError } from '../../src/errors.js';
import { Lockfile } from '../../src/coordinator/verify/lockfile.js';
import { rejectsWithCode, throwsWithCode } from '../support/assert-error.js';

const A = 'A'.repeat(40);
const B = 'B'.repeat(40);
const sha = (c: string) => c.repeat(64);
const open = { frozen: false, acceptNewSigner: false };

async function fresh(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'pkg2os-lock-')), 'pkg2os.lock');
}

describe('pkg2os.lock', () => {
  it('records the first verified build, human-readable and sorted, and matches it later', async () => {
    const path = await fresh();
    const lock = await Lockfile.load(path);
    assert.equal(lock.existed, false);
    assert.equal(lock.check('zeta', { version: '1.0', filename: 'zeta-1.0.tar.gz', sha256: sha('1'), signer: null }, open).detail.status, 'recorded');
    assert.equal(lock.check('alpha', { version: '2.0', filename: 'alpha-2.0.tar.gz', sha256: sha('2'), signer: A }, open).detail.status, 'recorded');
    assert.equal(await lock.save(), true);
    const text = await readFile(path, 'utf8');
    assert.match(text, /^# pkg2os\.lock/);
    assert.ok(text.indexOf('alpha:') < text.indexOf('zeta:'), 'projects are sorted');
    assert.match(text, /filename: alpha-2\.0\.tar\.gz\n\s+sha256: "?2{64}"?\n\s+signer: A{40}/);
    const again = await Lockfile.load(path);
    assert.equal(again.check('alpha', { version: '2.0', filename: 'alpha-2.0.tar.gz', sha256: sha('2'), signer: A }, open).detail.status, 'matched');
    assert.equal(await again.save(), false, 'nothing changed, nothing written');
  });

  it('fails hard when the same file name has another sha256', async () => {
    const path = await fresh();
    const lock = await Lockfile.load(path);
    lock.check('demo', { version: '1.0', filename: 'demo-1.0.tar.gz', sha256: sha('1'), signer: null }, open);
    const error = throwsWithCode(() => lock.check('demo', { version: '1.0', filename: 'demo-1.0.tar.gz', sha256: sha('9'), signer: null }, open), LockfileError, 'LOCK_MISMATCH');
    assert.match(error.message, /upstream artifact changed since it was locked/i);
  });

  it('fails on a different signer unless told to accept it, and records the new one', async () => {
    const path = await fresh();
    const lock = await Lockfile.load(path);
    const entry = { version: '1.0', filename: 'demo-1.0.tar.gz', sha256: sha('1'), signer: A };
    lock.check('demo', entry, open);
    throwsWithCode(() => lock.check('demo', { ...entry, signer: B }, open), LockfileError, 'SIGNER_CHANGED');
    throwsWithCode(() => lock.check('demo', { ...entry, signer: null }, open), LockfileError, 'SIGNER_CHANGED');
    assert.equal(lock.check('demo', { ...entry, signer: B }, { frozen: false, acceptNewSigner: true }).detail.status, 'signer-accepted');
    await lock.save();
    assert.match(await readFile(path, 'utf8'), new RegExp(`signer: ${B}`));
  });

  it('accepts a signature where the locked file had none', async () => {
    const lock = await Lockfile.load(await fresh());
    lock.check('demo', { version: '1.0', filename: 'demo-1.0.tar.gz', sha256: sha('1'), signer: null }, open);
    assert.equal(lock.check('demo', { version: '1.0', filename: 'demo-1.0.tar.gz', sha256: sha('1'), signer: A }, open).detail.status, 'signer-added');
  });

  it('--frozen refuses anything not locked', async () => {
    const lock = await Lockfile.load(await fresh());
    throwsWithCode(() => lock.check('demo', { version: '1.0', filename: 'demo-1.0.tar.gz', sha256: sha('1'), signer: null }, { frozen: true, acceptNewSigner: false }), LockfileError, 'NOT_IN_LOCKFILE');
  });

  it('refuses a damaged lockfile, naming it', async () => {
    const path = await fresh();
    await writeFile(path, 'lockfile-version: 1\npackages:\n  demo:\n    - version: 1.0\n      filename: x\n      sha256: nothex\n      signer: null\n');
    const error = await rejectsWithCode(Lockfile.load(path), ConfigError, 'INVALID_CONFIG');
    assert.ok(error.message.includes(path));
  });
});
