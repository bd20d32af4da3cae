/** Writes docs/reference.md (`make docs`) from the code's own definitions; test/unit/docs.test.ts keeps it current. */
import { writeFileSync } from 'node:fs';
import { makeProgram } from '../src/cli/main.js';
import { referenceMarkdown } from '../src/cli/reference.js';
import { shipped } from '../src/paths.js';
import { publishedSchemas } from './schemas.js';

writeFileSync(shipped('docs', 'reference.md'), referenceMarkdown(makeProgram(), publishedSchemas().map(({ file, title }) => ({ file, title }))));
