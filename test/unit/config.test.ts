import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/errors.js';
import { rejectsWithCode } from '../support/assert-error.js';

describe('pkg2os.config.yaml', () => {
  const write = async (text: string) => {
    const path = join(await mkdtemp(join(tmpdir(), 'pkg2os-config-')), 'pkg2os.config.yaml');
    await writeFile(path, text);
    return path;
  };
  it('reads known keys', async () => {
    const config = await loadConfig(await write('index-url: https://mirror.example.org/simple/\nmaintainer: Ops <ops@example.org>\nformats: [deb]\n'));
    assert.deepEqual(config, { 'index-url': 'https://mirror.example.org/simple/', maintainer: 'Ops <ops@example.org>', formats: ['deb'] });
  });
  it('names the file and the unknown key', async () => {
    const path = await write('index_url: https://x/\n');
    const error = await rejectsWithCode(loadConfig(path), ConfigError, 'INVALID_CONFIG');
    assert.ok(error.message.includes(path));
    assert.match(error.message, /unknown key "index_url"/);
  });
  it('names the key with a bad value', async () => {
    const error = await rejectsWithCode(loadConfig(await write('maintainer: nobody\n')), ConfigError, 'INVALID_CONFIG');
    assert.match(error.message, /"maintainer": expected "Name <email@example.org>"/);
  });
  it('reports YAML syntax errors and a missing named file', async () => {
    await rejectsWithCode(loadConfig(await write('a: [\n')), ConfigError, 'INVALID_CONFIG');
    await rejectsWithCode(loadConfig('/nonexistent/pkg2os.config.yaml'), ConfigError, 'INVALID_CONFIG');
  });
});
