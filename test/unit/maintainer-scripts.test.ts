/**
 * The Debian maintainer scripts run as root on every client: no file name of
 * the package may ever reach a shell there. Run for real with /bin/sh, with
 * fake dpkg and py3clean on PATH.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { renderTemplate } from '../../src/families/shared/templates.js';

async function sandbox(withPy3clean: boolean): Promise<{ dir: string; bin: string; marker: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-prerm-'));
  const bin = join(dir, 'bin');
  const marker = join(dir, 'pwned');
  await execa('mkdir', [bin]);
  for (const tool of ['sed', 'find', 'xargs', 'rmdir', 'rm', 'touch', 'cat']) await symlink(`/usr/bin/${tool}`, join(bin, tool));
  // dpkg -L lists a file whose name is a command substitution, as a hostile upstream project could ship.
  await writeFile(join(bin, 'dpkg'), `#!/bin/sh\necho '/usr/lib/python3/dist-packages/evil/$(touch ${marker}).py'\n`);
  await chmod(join(bin, 'dpkg'), 0o755);
  if (withPy3clean) {
    await writeFile(join(bin, 'py3clean'), `#!/bin/sh\necho "$@" > ${join(dir, 'py3clean.args')}\n`);
    await chmod(join(bin, 'py3clean'), 0o755);
  }
  return { dir, bin, marker };
}

describe('the prerm script', () => {
  const prerm = renderTemplate('deb', 'prerm', { name: 'python3-evil', sitePackages: '/usr/lib/python3/dist-packages' });

  it('never passes a file name through a shell, even without py3clean', async () => {
    const { dir, bin, marker } = await sandbox(false);
    await writeFile(join(dir, 'prerm'), prerm);
    const result = await execa('/bin/sh', [join(dir, 'prerm'), 'remove'], { env: { PATH: bin }, reject: false });
    assert.equal(result.exitCode, 0, String(result.stderr));
    assert.equal(existsSync(marker), false, 'the command in the file name did not run');
  });

  it('cleans the byte-compiled files with py3clean', async () => {
    const { dir, bin } = await sandbox(true);
    await writeFile(join(dir, 'prerm'), prerm);
    await execa('/bin/sh', [join(dir, 'prerm'), 'remove'], { env: { PATH: bin } });
    assert.equal((await readFile(join(dir, 'py3clean.args'), 'utf8')).trim(), '-p python3-evil');
  });
});
