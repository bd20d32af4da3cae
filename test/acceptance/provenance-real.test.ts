/**
 * Acceptance on real PEP 740 attestations as PyPI serves them (the corpus's
 * pep740/): `pkg2os verify --provenance` checks them offline against
 * Sigstore's public-good trusted root as @sigstore/tuf ships it; any flipped
 * byte in the signature, the statement or the certificate is refused, and so
 * is another expected publisher and another sha256 than the subject's.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CORPUS, corpusMissing } from '../support/corpus.js';
import { pkg2os } from '../support/run-cli.js';

const PROVENANCE = join(CORPUS, 'pep740', 'pypi_attestations-0.0.19.tar.gz.provenance');
const BARE = join(CORPUS, 'pep740', 'rfc8785-0.1.2-py3-none-any.whl.publish.attestation');
const FILE = 'pypi_attestations-0.0.19.tar.gz';
const SHA256 = '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3';
const PUBLISHER = 'github:trailofbits/pypi-attestations:release.yml';
const skip = corpusMissing || (existsSync(PROVENANCE) ? false : `${PROVENANCE} is not in the corpus`);

describe('acceptance: real PEP 740 attestations (the corpus\'s pep740/)', { skip }, () => {
  let dir: string;
  let keys: string;
  let original: { attestation_bundles: Array<{ attestations: Array<{ envelope: Record<string, string>; verification_material: Record<string, unknown> }> }> };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pkg2os-pep740-'));
    keys = join(dir, 'keys'); // empty: the trusted root is the one @sigstore/tuf ships
    original = JSON.parse(await readFile(PROVENANCE, 'utf8'));
  });
  const verify = (provenance: string, ...extra: string[]) => pkg2os(['verify', FILE, '--sha256', SHA256, '--provenance', provenance, '--keys-dir', keys, ...extra]);
  /** The provenance object with one base64 field of the attestation changed by one bit. */
  const flipped = async (field: 'signature' | 'statement' | 'certificate') => {
    const copy = structuredClone(original);
    const a = copy.attestation_bundles[0]!.attestations[0]!;
    const holder = field === 'certificate' ? (a.verification_material as Record<string, string>) : a.envelope;
    const bytes = Buffer.from(holder[field]!, 'base64');
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    holder[field] = bytes.toString('base64');
    const path = join(dir, `${field}.provenance`);
    await writeFile(path, JSON.stringify(copy));
    return path;
  };

  it('verifies offline: publisher, repository, ref, commit, workflow and Rekor entry of the real release', async () => {
    const result = await verify(PROVENANCE, '--publisher', PUBLISHER, '--json');
    assert.equal(result.exitCode, 0, result.stderr);
    const verdict = JSON.parse(result.stdout);
    assert.equal(verdict.verdict, 'good');
    assert.equal(verdict.publisher, PUBLISHER);
    assert.equal(verdict.repository, 'https://github.com/trailofbits/pypi-attestations');
    assert.equal(verdict.ref, 'refs/tags/v0.0.19');
    assert.equal(verdict.commit, '08802efe1f8e5fec4ad842d6b8ce97656092ee72');
    assert.equal(verdict.logIndex, '153454663');
    assert.equal(verdict.integratedTime, '2024-12-04T23:14:01.000Z');
    assert.match(verdict.trustedRoot.source, /@sigstore\/tuf/);
  });

  for (const field of ['signature', 'statement', 'certificate'] as const) {
    it(`refuses it with one bit of the ${field} flipped (exit 3)`, async () => {
      const result = await verify(await flipped(field), '--publisher', PUBLISHER);
      assert.equal(result.exitCode, 3, result.stdout + result.stderr);
      assert.match(result.stderr, /does not verify/);
    });
  }

  it('refuses another expected publisher, and a sha256 that is not the subject\'s (exit 3)', async () => {
    const other = await verify(PROVENANCE, '--publisher', 'github:trailofbits/pypi-attestations:other.yml');
    assert.equal(other.exitCode, 3);
    assert.match(other.stderr, /which is not a Trusted Publisher pinned for/);
    const sha = await pkg2os(['verify', FILE, '--sha256', 'f'.repeat(64), '--provenance', PROVENANCE, '--publisher', PUBLISHER, '--keys-dir', keys]);
    assert.equal(sha.exitCode, 3);
    assert.match(sha.stderr, /its subject's sha256 is 9bb1add0/);
  });

  it('uses the publisher pinned for the project when none is given, and says how to pin one when there is none', async () => {
    const unpinned = await verify(PROVENANCE, '--project', 'pypi-attestations');
    assert.equal(unpinned.exitCode, 3);
    assert.match(unpinned.stderr, /pkg2os trust add pypi-attestations github:trailofbits\/pypi-attestations:release\.yml/);
    assert.equal((await pkg2os(['trust', 'add', 'pypi-attestations', PUBLISHER, '--keys-dir', keys])).exitCode, 0);
    assert.equal((await verify(PROVENANCE)).exitCode, 0, 'the project comes from the file name');
  });

  it('reads a bare Attestation too; this one was made on Sigstore\'s staging instance, so the public-good root refuses its certificate', async () => {
    // Its Rekor log ID (0y8wo8Mt…) is rekor.sigstage.dev's and its identity an e-mail, not a Trusted Publisher.
    const bare = JSON.parse(await readFile(BARE, 'utf8'));
    const subject = JSON.parse(Buffer.from(bare.envelope.statement, 'base64').toString()).subject[0];
    const result = await pkg2os(['verify', subject.name, '--sha256', subject.digest.sha256, '--provenance', BARE, '--publisher', PUBLISHER, '--keys-dir', keys]);
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /does not verify: CERTIFICATE_ERROR/);
    assert.doesNotMatch(result.stderr, /is not a PEP 740 provenance object/, 'the format itself was understood');
  });
});
