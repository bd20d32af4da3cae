/** The reference and the published schemas are generated from the code: they cannot drift from it (make docs, make schema). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { makeProgram } from '../../src/cli/main.js';
import { referenceMarkdown } from '../../src/cli/reference.js';
import { shipped } from '../../src/paths.js';
import { publishedSchemas } from '../../scripts/schemas.js';

describe('documentation generated from the code', () => {
  it('docs/reference.md is current (make docs regenerates it)', () => {
    const expected = referenceMarkdown(makeProgram(), publishedSchemas().map(({ file, title }) => ({ file, title })));
    assert.equal(readFileSync(shipped('docs', 'reference.md'), 'utf8'), expected, 'docs/reference.md differs from what the code defines: run make docs');
  });

  it('the reference lists every command, every option of build and every configuration key', () => {
    const text = readFileSync(shipped('docs', 'reference.md'), 'utf8');
    const program = makeProgram();
    const walk = (c: typeof program): string[] => [c.name(), ...c.commands.flatMap(walk)];
    for (const name of walk(program).slice(1)) assert.match(text, new RegExp(`### \`pkg2os [^\`]*\\b${name}\\b`), `command ${name}`);
    for (const option of program.commands.find((c) => c.name() === 'build')!.options) assert.ok(text.includes(option.flags), `build ${option.flags}`);
    for (const key of ['index-url', 'templates-dir', 'build-limits.memory-mib', 'roots.<name>.gpgkey']) assert.ok(text.includes(`\`${key}\``), `config key ${key}`);
  });

  it('every published JSON Schema is current (make schema regenerates them)', () => {
    for (const { file, schema } of publishedSchemas()) assert.deepEqual(JSON.parse(readFileSync(shipped(file), 'utf8')), JSON.parse(JSON.stringify(schema)), file);
  });
});
