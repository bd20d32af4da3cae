/**
 * Writes the published JSON Schemas (`make schema`): the recipe schema, the
 * report, plan, explain and error documents, and the configuration file.
 * Tests keep them current.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { shipped } from '../src/paths.js';
import { publishedSchemas } from './schemas.js';

for (const { file, schema } of publishedSchemas()) {
  mkdirSync(dirname(shipped(file)), { recursive: true });
  writeFileSync(shipped(file), `${JSON.stringify(schema, null, 2)}\n`);
}
