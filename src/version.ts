import { readFileSync } from 'node:fs';
import { shipped } from './paths.js';

/** pkg2os's own version, from package.json. */
export const PKG2OS_VERSION: string = (JSON.parse(readFileSync(shipped('package.json'), 'utf8')) as { version: string }).version;
