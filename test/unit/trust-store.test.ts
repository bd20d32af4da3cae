import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRecipe } from '../../src/config/recipes.js';
import { ConfigError } from '../../src/errors.js';
import { TrustStore } from '../../src/coordinator/verify/trust-store.js';
import { rejectsWithCode } from '../support/assert-error.js';
import { makeKey } from '../support/pgp.js';

describe('the upstream key trust store', () => {
  it('pins public keys per project, by fingerprint, and lists them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-keys-'));
    const key = await makeKey({ name: 'Demo Releaser' });
    const file = join(dir, 'upstream.asc');
    await writeFile(file, key.publicArmored);
    const store = new TrustStore(join(dir, 'keys'));
    const [pinned] = await store.add('demo', file);
    assert.equal(pinned!.fingerprint, key.fingerprint);
    assert.deepEqual(await readdir(join(dir, 'keys', 'demo')), [`${key.fingerprint}.asc`]);
    const list = await store.list();
    assert.deepEqual(list.map((e) => [e.project, e.key.fingerprint]), [['demo', key.fingerprint]]);
    const forDemo = await store.keysFor('demo', {});
    assert.deepEqual(forDemo.keys.map((k) => k.getFingerprint().toUpperCase()), [key.fingerprint]);
    assert.deepEqual((await store.keysFor('other', {})).keys, []);
  });

  it('refuses to pin a private key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-keys-'));
    const key = await makeKey();
    const file = join(dir, 'secret.asc');
    await writeFile(file, key.privateKey.armor());
    const error = await rejectsWithCode(new TrustStore(join(dir, 'keys')).add('demo', file), ConfigError, 'INVALID_KEY');
    assert.match(error.message, /holds a private key/);
  });

  it('honours fingerprints pinned in a recipe, with key material found anywhere in the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-keys-'));
    const key = await makeKey({ signingSubkey: true });
    await mkdir(join(dir, 'recipes', 'keys'), { recursive: true });
    await writeFile(join(dir, 'recipes', 'keys', 'release-team.asc'), key.publicArmored);
    const spaced = key.fingerprint.replace(/(.{4})/g, '$1 ').trim().toLowerCase();
    await writeFile(join(dir, 'recipes', 'demo.yaml'), `signature: required\nupstream-keys:\n  - "${spaced}"\n`);
    const recipe = await loadRecipe('demo', [join(dir, 'recipes')]);
    assert.equal(recipe.signature, 'required');
    const store = new TrustStore(join(dir, 'keys'), [join(dir, 'recipes')]);
    const pinned = await store.keysFor('demo', recipe);
    assert.deepEqual(pinned.keys.map((k) => k.getFingerprint().toUpperCase()), [key.fingerprint]);
  });

  it('says which pinned fingerprint has no key material', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-keys-'));
    const error = await rejectsWithCode(new TrustStore(join(dir, 'keys')).keysFor('demo', { 'upstream-keys': ['ABCD'.repeat(10)], file: 'recipes/demo.yaml' }), ConfigError, 'INVALID_KEY');
    assert.match(error.message, /pins key (ABCD){10}, but no key with that fingerprint/);
  });

  it('refuses recipes with unknown keys, naming file and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-recipes-'));
    await writeFile(join(dir, 'demo.yaml'), 'signatures: required\n');
    const error = await rejectsWithCode(loadRecipe('demo', [dir]), ConfigError, 'INVALID_CONFIG');
    assert.ok(error.message.includes(join(dir, 'demo.yaml')));
    assert.match(error.message, /unknown key "signatures"/);
  });
});
