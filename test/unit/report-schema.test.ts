import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { reportJsonSchemas } from '../../src/coordinator/pipeline/report.js';
import { shipped } from '../../src/paths.js';
import { schemaErrors } from '../support/report-schema.js';
import { explainJsonSchema } from '../../src/coordinator/pipeline/explain.js';
import { errorJsonSchema } from '../../src/cli/error-document.js';

describe('the published report schemas', () => {
  it('schemas/report.schema.json and schemas/plan.schema.json are current (make schema regenerates them)', () => {
    for (const [name, schema] of Object.entries({ ...reportJsonSchemas(), explain: explainJsonSchema(), error: errorJsonSchema() })) {
      assert.deepEqual(JSON.parse(readFileSync(shipped('schemas', `${name}.schema.json`), 'utf8')), JSON.parse(JSON.stringify(schema)), name);
    }
  });

  it('refuse a report with an unknown field, a bad digest or a missing summary', () => {
    const minimal = { pkg2os: '0.1.0', indexUrl: 'http://127.0.0.1/simple/', packages: [], provided: [], failures: [], summary: { built: 0, reused: 0, failed: 0, corruptCacheEntries: 0, pagesNotModified: 0 } };
    assert.equal(schemaErrors('report', minimal), undefined);
    assert.match(schemaErrors('report', { ...minimal, surprise: 1 })!, /additional properties/);
    assert.match(schemaErrors('report', { ...minimal, summary: undefined })!, /summary/);
    const file = { format: 'deb', name: 'python3-x', version: '1.0-1', arch: 'all', sha256: 'ab', size: 1, file: 'deb/x.deb', target: 'debian-12', upstreamVersion: '1.0', release: 1, inputs: 'cd' };
    const pkg = { requirement: 'x', project: 'x', version: '1.0', target: 'debian-12', requiredBy: ['x'], sdist: { url: 'u', filename: 'x-1.0.tar.gz', sha256: 'e'.repeat(64), size: 1 }, verification: { result: 'verified', checks: [] }, packages: [file], dependencies: [], skippedRequirements: [], byteCompiled: {} };
    assert.match(schemaErrors('report', { ...minimal, packages: [pkg] })!, /sha256|pattern/);
  });
});
