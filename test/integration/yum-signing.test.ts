/**
 * Signing rpms: across cores (several rpmsign processes on one sign socket),
 * every signature checks with rpmkeys; and no rpm is signed twice: a publish
 * interrupted after signing leaves signed copies that the next one reuses,
 * but only for the very payload they were made from.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { OpenPgpSigner, type Signer } from '../../src/coordinator/keys/signer.js';
import { loadSigningKey } from '../../src/coordinator/keys/signing-key.js';
import { signWithCache } from '../../src/families/rpm/yum/sign-cache.js';
import { pkg2os } from '../support/run-cli.js';

let dir: string;
let signer: Signer;
let calls = 0;
const unsigned: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-rpmsign-'));
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Sign Org', '--email', 's@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  const real = new OpenPgpSigner(await loadSigningKey({ keyFile: join(dir, 'key/private.asc') }));
  // The real signer, counting what it is asked to sign.
  signer = { ...real, fingerprint: real.fingerprint, userName: real.userName, publicArmored: real.publicArmored, publicBinary: real.publicBinary, detached: (data, format) => (calls++, real.detached(data, format)), cleartext: (text) => real.cleartext(text) };
  const spec = join(dir, 'many.spec');
  // Ten packages, each with a file of its own (and so a payload of its own).
  const install = ['%install', 'for i in m 0 1 2 3 4 5 6 7 8; do mkdir -p %{buildroot}/usr/share/sf$i; echo $i > %{buildroot}/usr/share/sf$i/f; done'];
  const subpackages = Array.from({ length: 9 }, (_, i) => [`%package -n sign-fixture-${i}`, 'Summary: s', `%description -n sign-fixture-${i}`, 's', `%files -n sign-fixture-${i}`, `/usr/share/sf${i}/f`, ''].join('\n'));
  await writeFile(spec, ['Name: sign-fixture', 'Version: 1.0', 'Release: 1.el9', 'Summary: s', 'License: MIT', 'BuildArch: noarch', '%description', 's', ...install, '%files', '/usr/share/sfm/f', '', ...subpackages].join('\n'));
  await execa('rpmbuild', ['-bb', '--define', `_topdir ${join(dir, 'top')}`, spec]);
  const built = join(dir, 'top/RPMS/noarch');
  for (const f of (await readdir(built)).sort()) unsigned.push(join(built, f));
});

const copies = async (name: string) => {
  const into = await mkdtemp(join(dir, `${name}-`));
  const out: string[] = [];
  for (const f of unsigned) {
    await copyFile(f, join(into, basename(f)));
    out.push(join(into, basename(f)));
  }
  return out;
};

describe('signing rpms', () => {
  it('signs ten rpms in lanes across the cores, each signature good with only the key; then reuses them instead of signing again', async () => {
    const cache = join(dir, 'cache');
    const first = await copies('first');
    calls = 0;
    const outcome = await signWithCache(first, signer, cache);
    assert.deepEqual([outcome.signed, outcome.reused, calls], [10, 0, 10]);
    const db = await mkdtemp(join(dir, 'rpmdb-'));
    await execa('rpmkeys', ['--dbpath', db, '--import', join(dir, 'key/public.asc')]);
    const checked = await execa('rpmkeys', ['--dbpath', db, '-K', ...first]);
    assert.equal(String(checked.stdout).split('\n').filter((l) => /digests signatures OK$/.test(l)).length, 10);
    // As after an interrupted publish: the same unsigned rpms again.
    const again = await copies('again');
    calls = 0;
    const second = await signWithCache(again, signer, cache);
    assert.deepEqual([second.signed, second.reused, calls], [0, 10, 0], 'nothing was signed twice');
    assert.equal(String((await execa('rpmkeys', ['--dbpath', db, '-K', ...again])).stdout).split('\n').filter((l) => /signatures OK$/.test(l)).length, 10);
    // Once live, the kept copies go.
    await second.forget();
    assert.deepEqual(await readdir(cache), []);
  });

  it('does not reuse a kept copy whose payload is not the rpm\'s', async () => {
    const cache = join(dir, 'cache-tampered');
    const first = await copies('t1');
    await signWithCache(first.slice(0, 1), signer, cache);
    // The kept copy of rpm 0 is replaced by the signed rpm 1 (another payload).
    const [kept] = await readdir(cache);
    const other = await copies('t2');
    await signWithCache(other.slice(1, 2), signer, join(dir, 'scratch'));
    await copyFile(other[1]!, join(cache, kept!));
    calls = 0;
    const outcome = await signWithCache((await copies('t3')).slice(0, 1), signer, cache);
    assert.deepEqual([outcome.signed, outcome.reused, calls], [1, 0, 1]);
  });
});
