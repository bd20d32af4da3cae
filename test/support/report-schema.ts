/** Validate pkg2os's --json output against the JSON Schemas it publishes in schemas/ (ajv, draft 2020-12). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { shipped } from '../../src/paths.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = {
  report: ajv.compile(JSON.parse(readFileSync(shipped('schemas', 'report.schema.json'), 'utf8'))),
  plan: ajv.compile(JSON.parse(readFileSync(shipped('schemas', 'plan.schema.json'), 'utf8'))),
  explain: ajv.compile(JSON.parse(readFileSync(shipped('schemas', 'explain.schema.json'), 'utf8'))),
  error: ajv.compile(JSON.parse(readFileSync(shipped('schemas', 'error.schema.json'), 'utf8'))),
};

/** The schema's verdict: undefined when valid, else ajv's errors as text. */
export function schemaErrors(kind: keyof typeof validators, document: unknown): string | undefined {
  const validate = validators[kind];
  return validate(document) ? undefined : ajv.errorsText(validate.errors);
}

/** Parse --json output and assert it validates against the published schema. */
export function validReport<T = any>(kind: keyof typeof validators, stdout: string): T {
  const document = JSON.parse(stdout);
  const errors = schemaErrors(kind, document);
  assert.equal(errors, undefined, `--json output does not validate against schemas/${kind}.schema.json: ${errors}`);
  return document;
}
