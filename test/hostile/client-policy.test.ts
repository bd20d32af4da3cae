/**
 * Hostile suite (make test-hostile), part 3: packages that would run code as
 * root on every client. apt and dnf install what pkg2os publishes as root, so
 * a package may install only what a Python distribution package does, and
 * its names (package, Python modules, programs) are checked against the
 * target's whole release (Debian 12's Packages and Contents here, read from
 * its archive), not the builder's installed set. Each fixture is an attack an
 * outside test got through before these checks.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { IndexServer } from '../support/index-server.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HostileWorld } from '../support/hostile-world.js';
import { debianArchiveUnreachable } from '../support/roots.js';

const world = new HostileWorld();
const wheel = (name: string, entries: Record<string, string>, more = '') => `ENTRIES = ${JSON.stringify({ [`${name.replace(/-/g, '_')}/__init__.py`]: '', ...entries })}\n${more}`;
const data = (name: string, path: string) => `${name.replace(/-/g, '_')}-1.0.data/data/${path}`;

/** Files that system services and root's tools load: refused by the allow-list, whatever the target's release holds. */
const DATA: Record<string, [string, RegExp]> = {
  // Debian's py3compile puts /usr/share/python3 ahead of the standard library for every package's postinst, as root.
  python3: [wheel('python3', { [data('python3', 'share/python3/configparser.py')]: 'import os; os.system("id")\n' }), /\/usr\/share\/python3\/configparser\.py, data in \/usr\/share\/python3/],
  // /usr/share/perl5/strict.pm shadows perl-base for every perl run (debconf).
  perl5: [wheel('perl5', { [data('perl5', 'share/perl5/strict.pm')]: 'system("id"); 1;\n' }), /\/usr\/share\/perl5\/strict\.pm, data in \/usr\/share\/perl5/],
  // Hooks and init-top scripts run at every initramfs rebuild and boot.
  'initramfs-tools': [wheel('initramfs-tools', { [data('initramfs-tools', 'share/initramfs-tools/hooks/evil')]: '#!/bin/sh\nid\n', [data('initramfs-tools', 'share/initramfs-tools/scripts/init-top/evil')]: '#!/bin/sh\nid\n' }), /2 paths a Python package may not: \/usr\/share\/initramfs-tools\/hooks\/evil .*\/usr\/share\/initramfs-tools\/scripts\/init-top\/evil/],
  'dbus-service': [wheel('dbus-service', { [data('dbus-service', 'share/dbus-1/system-services/org.evil.service')]: '[D-BUS Service]\nName=org.evil\nExec=/bin/sh\nUser=root\n', [data('dbus-service', 'share/dbus-1/system.d/org.evil.conf')]: '<busconfig><policy context="default"><allow send_destination="org.evil"/></policy></busconfig>\n' }), /\/usr\/share\/dbus-1\/system-services\/org\.evil\.service.*\/usr\/share\/dbus-1\/system\.d\/org\.evil\.conf|\/usr\/share\/dbus-1\/system\.d\/org\.evil\.conf.*\/usr\/share\/dbus-1\/system-services\/org\.evil\.service/],
  'polkit-rules': [wheel('polkit-rules', { [data('polkit-rules', 'share/polkit-1/rules.d/10-evil.rules')]: 'polkit.addRule(function() { return polkit.Result.YES; });\n', [data('polkit-rules', 'share/polkit-1/actions/org.evil.policy')]: '<policyconfig/>\n' }), /\/usr\/share\/polkit-1\/(actions|rules\.d)\//],
  'completion-nano': [wheel('completion-nano', { [data('completion-nano', 'share/bash-completion/completions/nano')]: 'id\n', [data('completion-nano', 'share/bash-completion/completions/htop')]: 'id\n' }), /\/usr\/share\/bash-completion\/completions\/(htop|nano)/],
  'locale-catalog': [wheel('locale-catalog', { [data('locale-catalog', 'share/locale/de/LC_MESSAGES/apt.mo')]: 'x', [data('locale-catalog', 'share/locale/de/LC_MESSAGES/sudo.mo')]: 'x' }), /\/usr\/share\/locale\/de\/LC_MESSAGES\/(apt|sudo)\.mo/],
  // A path no file system takes: refused before anything installs it, and the work directory still goes (it failed in cleanup once).
  'long-path': [`ENTRIES = {"long_path/__init__.py": "", "long_path/" + "d/" * 7500 + "x.py": ""}\n`, /an entry's path is \d+ bytes long, beyond what a file system takes/],
  'c-headers': [wheel('c-headers', { 'c_headers-1.0.data/headers/evil.h': '#define X 1\n' }), /\/usr\/include\/python3\.\d+\/c-headers\/evil\.h, a C header/],
};

/** Names Debian 12's whole release uses: refused because its Packages and Contents say whose they are. */
const NAMES: Record<string, [string, RegExp]> = {
  // A package directory beside Debian's single-file module wins the import: unattended-upgrades imports apt_pkg as root daily.
  'shadow-apt-pkg': [wheel('shadow-apt-pkg', { 'apt_pkg/__init__.py': 'import os; os.system("id")\n' }), /the Python name apt_pkg, which python3-apt ships/],
  'shadow-six': [wheel('shadow-six', { 'six/__init__.py': 'import os\n' }), /the Python name six, which python3-six ships/],
  'shadow-typing-extensions': [wheel('shadow-typing-extensions', { 'typing_extensions/__init__.py': 'import os\n' }), /the Python name typing_extensions, which python3-typing-extensions ships/],
  'script-sudo': [wheel('script-sudo', {}, 'ENTRY_POINTS = "[console_scripts]\\nsudo = script_sudo:main\\n"'), /the program sudo, which sudo ships/],
  'script-pkexec': [wheel('script-pkexec', {}, 'ENTRY_POINTS = "[console_scripts]\\npkexec = script_pkexec:main\\n"'), /the program pkexec, which \S+ ships/],
  'script-doas': [wheel('script-doas', {}, 'ENTRY_POINTS = "[console_scripts]\\ndoas = script_doas:main\\n"'), /the program doas, which \S+ ships/],
  // PyPI's "firewall" is not firewalld, whose python3-firewall Debian 12 ships (no builder has it installed).
  firewall: ['', /packaged as python3-firewall, a name the target distribution uses for/],
  'depends-nftables': ['REQUIRES = ["nftables"]\n', /depends on nftables, which would be the distribution's python3-nftables/],
};

let offline: string | false = false;

before(async () => {
  offline = await debianArchiveUnreachable('bookworm');
  await world.start();
  for (const [name, [attack]] of Object.entries({ ...DATA, ...NAMES })) await world.add({ name, attack });
  await world.add({ name: 'terminal-escapes', attack: 'import sys\nsys.stdout.write("\\x1b]52;c;ZXZpbA==\\x07\\x1b]0;owned\\x07\\x1b[2K\\rpkg2os: published /srv/repo (signed by 0000)\\n\\u202egpj.exe\\n")\nsys.stdout.flush()\nraise SystemExit(1)\n' });
});
after(() => world.stop());

describe('hostile packages: what a package may install on every client', () => {
  for (const [name, [, message]] of Object.entries(DATA)) {
    it(`refuses ${name} (exit 4), naming what it would install, and publishes nothing`, async () => {
      const result = await world.build(name);
      assert.equal(result.exitCode, 4, result.stderr);
      assert.match(result.stderr, message);
      assert.ok(!existsSync(join(result.out, 'deb')) && !existsSync(join(result.out, 'rpm')), 'no package was written');
      await world.assertNothingReached();
    });
  }
});

describe('hostile packages: names the target\'s whole release uses', () => {
  for (const [name, [, message]] of Object.entries(NAMES)) {
    it(`refuses ${name} (exit 4), naming the distribution's package`, async (t) => {
      if (offline) return t.skip(offline);
      const result = await world.build(name, ['--target', 'debian-12']);
      assert.equal(result.exitCode, 4, result.stderr);
      assert.match(result.stderr, message);
      assert.ok(!existsSync(join(result.out, 'deb')), 'no package was written');
    });
  }
});

describe('hostile build output on a terminal', () => {
  it('prints control sequences and bidi overrides as visible escapes, and keeps the raw bytes in the log', async () => {
    const result = await world.build('terminal-escapes', ['--target', 'debian-12']);
    assert.equal(result.exitCode, 4, result.stderr);
    assert.doesNotMatch(result.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'nothing raw reaches the terminal');
    assert.match(result.stderr, /\\e\]52;c;ZXZpbA==\\a/);
    assert.match(result.stderr, /\\e\[2K\\rpkg2os: published/);
    assert.match(result.stderr, /\\u202egpj\.exe/);
    const log = await readFile(join(result.out, 'logs', 'terminal-escapes-1.0.log'), 'utf8');
    assert.ok(log.includes('\u001b]52;c;ZXZpbA==\u0007'), 'the log keeps the bytes');
  });
});

describe('compiled code with a runpath into /tmp', () => {
  const index = new IndexServer();
  before(async () => {
    index.add('rpath-fixture', await makeSdist({ name: 'rpath-fixture', version: '1.0', compiled: true, rpath: '/tmp/evil' }));
    await index.start();
  });
  after(() => index.stop());

  it('loses its RPATH and RUNPATH before it is packaged (the wheel it was built into had both)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-rpath-'));
    const result = await pkg2os(['build', 'rpath-fixture', '--target', 'debian-12', '--index-url', index.url, '--out', join(dir, 'out'), '--no-lockfile', '--keep-work'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    const work = /the work directory was kept: (\S+)/.exec(result.stderr)?.[1];
    assert.ok(work, result.stderr);
    const wheel = (await execa('find', [work, '-name', 'rpath_fixture-*.whl'])).stdout.split('\n')[0]!;
    await execa('/usr/bin/python3', ['-m', 'zipfile', '-e', wheel, join(dir, 'wheel')]);
    const built = (await execa('find', [join(dir, 'wheel'), '-name', '_speed*.so'])).stdout.split('\n')[0]!;
    assert.match((await execa('readelf', ['-dW', built])).stdout, /\(RPATH\).*\/tmp\/evil/, 'the fixture is hostile: its wheel has the runpath');
    const deb = join(dir, 'out', 'deb', 'python3-rpath-fixture_1.0-1~deb12_amd64.deb');
    await execa('dpkg-deb', ['-x', deb, join(dir, 'tree')]);
    const packaged = (await execa('find', [join(dir, 'tree'), '-name', '_speed*.so'])).stdout.split('\n')[0]!;
    assert.doesNotMatch((await execa('readelf', ['-dW', packaged])).stdout, /\((RPATH|RUNPATH)\)/, 'the package has none');
    await execa('rm', ['-rf', work]);
  });
});
