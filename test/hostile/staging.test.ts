/**
 * Hostile suite (make test-hostile), part 2: wheels and texts that would take
 * over the build host or every client — rpm macro injection, wheel entries
 * that escape their scheme, packages that install into the system's own
 * places, and names, versions and identities that are not what they claim.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { HostileWorld } from '../support/hostile-world.js';

const world = new HostileWorld();
const wheel = (entries: Record<string, string>, more = '') => `ENTRIES = ${JSON.stringify(entries)}\n${more}`;

/** Hostile projects: name → [attack, what the refusal says]. */
const REFUSED: Record<string, [string, RegExp]> = {
  'escape-dotdot': [wheel({ 'escape_dotdot/__init__.py': '', '../../../../tmp/escaped.txt': 'x' }), /outside the wheel|invalid relative path/],
  'escape-data-scripts': [wheel({ 'escape_data_scripts/__init__.py': '', 'escape_data_scripts-1.0.data/scripts/../../../../etc/cron.d/evil': 'x' }), /outside the wheel|invalid relative path/],
  'escape-absolute': [wheel({ 'escape_absolute/__init__.py': '', '/etc/cron.d/evil': 'x' }), /outside the wheel|absolute path/],
  'escape-script-name': [wheel({ 'escape_script_name/__init__.py': 'def main(): pass\n' }, 'ENTRY_POINTS = "[console_scripts]\\n../../../etc/cron.daily/evil = escape_script_name:main\\n"'), /entry point "\.\.\/\.\.\/\.\.\/etc\/cron\.daily\/evil" is not a plain file name/],
  'escape-license-file': [wheel({ 'escape_license_file/__init__.py': '' }, 'LICENSE_FILES = ["../../../../../../etc/passwd"]'), /License-File "\.\.\/.*etc\/passwd" points outside/],
  'takeover-systemd': [wheel({ 'takeover_systemd/__init__.py': '', 'takeover_systemd-1.0.data/data/lib/systemd/system/evil.service': '[Service]\nExecStart=/bin/sh\n' }), /would install \/usr\/lib\/systemd\/system\/evil\.service/],
  'takeover-apt-binary': [wheel({ 'takeover_apt_binary/__init__.py': '', 'takeover_apt_binary-1.0.data/scripts/apt': '#!/bin/sh\n' }), /would install \/usr\/bin\/apt, (a file the target's package apt owns|the program apt, which apt ships)/],
  'takeover-python': [wheel({ 'takeover_python/__init__.py': '', 'takeover_python-1.0.data/scripts/python3': '#!/bin/sh\n' }), /would install \/usr\/bin\/python3, (a file the target's package \S+ owns|the program python3, which \S+ ships)/],
  'takeover-pth': [wheel({ 'takeover_pth/__init__.py': '', 'takeover-pth-hook.pth': 'import os; os.system("id")\n' }), /a \.pth file, which every Python start executes/],
  'takeover-sitecustomize': [wheel({ 'takeover_sitecustomize/__init__.py': '', 'sitecustomize.py': 'import os\n' }), /sitecustomize\/usercustomize module/],
  'takeover-completion': [wheel({ 'takeover_completion/__init__.py': '', 'takeover_completion-1.0.data/data/share/bash-completion/completions/ls': 'echo pwned\n' }), /would install \/usr\/share\/bash-completion\/completions\/ls, data in \/usr\/share\/bash-completion/],
  'mal-wheel-identity': ['METADATA_NAME = "requests"\nMETADATA_VERSION = "99!9.9"\n', /says it is requests 99!9\.9, but it was built from the sdist of mal-wheel-identity 1\.0/],
  apt: ['', /packaged as python3-apt, a name the target distribution uses for/],
  'epoch-fixture': ['', /has an epoch, which would rank it above every version/],
  'bomb-fixture': ['import zlib\nENTRIES = {"bomb_fixture/__init__.py": "", "bomb_fixture/zeros.bin": b"\\0" * (300 * 1024 * 1024)}\n', /unpacks to \d+ bytes from \d+ \(a ratio over 200/],
};

before(async () => {
  await world.start();
  for (const [name, [attack]] of Object.entries(REFUSED)) await world.add({ name, attack, version: name === 'epoch-fixture' ? '1!1.0' : '1.0' });
  // PyPI's "apt" 2.0 with a module of its own name: under another distribution name, a recipe may allow it.
  await world.add({ name: 'apt', version: '2.0', attack: 'MODULE = "pypi_apt"\n' });
  // Macro injection through the description, through a file name.
  await world.add({
    name: 'macro-description',
    attack: `METADATA_BODY = "A description.\\n%build\\ntouch " + CONFIG["marker"] + "/rpm-build-section\\n%post\\ntouch /tmp/pkg2os-hostile-post\\n %if 0\\n%{lua: os.execute('touch ${'${'}CONFIG}')}\\n%(touch " + CONFIG["marker"] + "/rpm-shell)\\n#comment\\nlast line"\n`,
  });
  await world.add({ name: 'macro-filename', attack: `EXTRA["%(touch " + CONFIG["marker"].replace("/", "_") + ").py"] = "x = 1\\n"\n` });
});
after(() => world.stop());

describe('hostile builds: wheels, names and texts', () => {
  for (const [name, [, message]] of Object.entries(REFUSED)) {
    it(`refuses ${name}, clearly (exit 4), and nothing is written outside`, async () => {
      const result = await world.build(name === 'apt' ? 'apt==1.0' : name);
      assert.equal(result.exitCode, 4, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /^pkg2os: error: /m);
      assert.doesNotMatch(result.stderr, /^\s+at .*:\d+:\d+\)?$/m, 'no stack trace');
      assert.ok(!existsSync(join(result.out, 'deb')) && !existsSync(join(result.out, 'rpm')), 'no package was written');
      await world.assertNothingReached();
    });
  }

  it('builds what a recipe allows by name: another name for "apt", an epoch', async () => {
    const recipes = join(world.dir, 'recipes');
    await mkdir(recipes, { recursive: true });
    await writeFile(join(recipes, 'apt.yaml'), 'name: python3-pypi-apt\n');
    await writeFile(join(recipes, 'epoch-fixture.yaml'), 'allow-epoch: true\n');
    for (const [project, file] of [['apt==2.0', 'python3-pypi-apt_2.0-1~deb12_all.deb'], ['epoch-fixture', 'python3-epoch-fixture_1.0-1~deb12_all.deb']] as const) {
      const result = await world.build(project, ['--recipes-dir', recipes, '--format', 'deb']);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.ok(existsSync(join(result.out, 'deb', file)), (await readdir(join(result.out, 'deb'))).join(', '));
    }
  });

  it('rpm macro injection through the description: no section opens, no command runs, the text ships as text', async () => {
    const result = await world.build('macro-description');
    assert.equal(result.exitCode, 0, result.stderr);
    const rpm = join(result.out, 'rpm', (await readdir(join(result.out, 'rpm')))[0]!);
    assert.equal(String((await execa('rpm', ['-qp', '--scripts', rpm])).stdout), '', 'no scriptlet was injected');
    const description = String((await execa('rpm', ['-qp', '--qf', '%{DESCRIPTION}', rpm])).stdout);
    for (const line of ['%build', '%post', '%if 0', '%(touch', '#comment', 'last line']) assert.ok(description.includes(line), `"${line}" is in the description: ${description}`);
    assert.ok(!existsSync('/tmp/pkg2os-hostile-post'));
    await world.assertNothingReached();
  });

  it('rpm macro injection through a file name: refused, naming the file', async () => {
    const result = await world.build('macro-filename', ['--target', 'el9']);
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /The file "\/usr\/lib\/python3\.9\/site-packages\/macro_filename\/%\(touch .*\)\.py" has a character \("%"\) that an RPM spec cannot carry/);
    await world.assertNothingReached();
    const deb = await world.build('macro-filename', ['--format', 'deb']);
    assert.equal(deb.exitCode, 0, 'the deb, which has no macro language, builds');
  });
});
