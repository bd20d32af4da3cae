/** Trusted Publisher specs and how a certificate identity matches them; PEP 740 objects that are not what they claim. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, SignatureError } from '../../src/errors.js';
import { parseProvenance } from '../../src/coordinator/verify/provenance-object.js';
import { formatPublisher, matchesPublisher, parsePublisher, publisherOf } from '../../src/coordinator/verify/publishers.js';
import type { CertificateIdentity } from '../../src/coordinator/verify/sigstore-verify.js';
import { throwsWithCode } from '../support/assert-error.js';

const github = (repo: string, workflow: string, config = `https://github.com/${repo}/.github/workflows/${workflow}@refs/tags/v1`): CertificateIdentity => ({
  issuer: 'https://token.actions.githubusercontent.com',
  subjectAlternativeName: config,
  sourceRepository: `https://github.com/${repo}`,
  buildConfig: config,
});

describe('Trusted Publisher specs', () => {
  it('round-trips the three kinds and refuses anything else, showing the forms', () => {
    for (const spec of ['github:django/django:release.yml', 'gitlab:group/sub/project:ci/release.yml', 'google:publisher@project.iam.gserviceaccount.com']) assert.equal(formatPublisher(parsePublisher(spec)), spec);
    for (const bad of ['github:django', 'github:django/django', 'github:a/b/c:release.yml', 'github:django/django:release', 'pypi:x', 'google:nobody', 'github:django/django:../x.yml']) {
      const error = throwsWithCode(() => parsePublisher(bad), ConfigError, 'USAGE');
      assert.match(error.hint ?? '', /github:OWNER\/REPO:WORKFLOW\.yml/);
    }
  });

  it('matches the issuer, the repository (any case) and the workflow (exactly), from the Build Config URI', () => {
    const pinned = parsePublisher('github:Django/Django:release.yml');
    assert.ok(matchesPublisher(github('django/django', 'release.yml'), pinned));
    assert.ok(!matchesPublisher(github('django/django', 'Release.yml'), pinned), 'workflow names are exact');
    assert.ok(!matchesPublisher(github('evil/django', 'release.yml'), pinned));
    assert.ok(!matchesPublisher({ ...github('django/django', 'release.yml'), issuer: 'https://gitlab.com' }, pinned), 'another issuer');
    // A reusable workflow signs (its path is the SAN); the caller is the Build Config URI, and that is what is pinned.
    const reusable = { ...github('django/django', 'release.yml'), subjectAlternativeName: 'https://github.com/org/shared/.github/workflows/publish.yml@refs/heads/main' };
    assert.ok(matchesPublisher(reusable, pinned));
    assert.deepEqual(publisherOf(reusable), { kind: 'github', repository: 'django/django', workflow: 'release.yml' });
    // A Build Config URI from another repository than the source repository names no publisher.
    assert.equal(publisherOf({ ...github('django/django', 'release.yml'), buildConfig: 'https://github.com/evil/x/.github/workflows/release.yml@refs/heads/main' }), undefined);
  });
});

describe('PEP 740 objects', () => {
  it('refuses what is not a provenance object or attestation, saying which field is wrong', () => {
    throwsWithCode(() => parseProvenance(Buffer.from('not json'), 'p'), SignatureError, 'PROVENANCE_INVALID');
    const error = throwsWithCode(() => parseProvenance(Buffer.from(JSON.stringify({ version: 1, attestation_bundles: [{ publisher: { kind: 'GitHub' }, attestations: [] }] })), 'p'), SignatureError, 'PROVENANCE_INVALID');
    assert.match(error.message, /attestation_bundles\.0\.attestations/);
    throwsWithCode(() => parseProvenance(Buffer.from(JSON.stringify({ version: 2, attestation_bundles: [] })), 'p'), SignatureError, 'PROVENANCE_INVALID');
  });
});
