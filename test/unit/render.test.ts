/**
 * Golden tests of the rendered control files and spec (as nfpm's control.golden).
 * Regenerate on purpose with UPDATE_GOLDEN=1 and review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TARGETS } from '../../src/config/targets.js';
import { familyOf } from '../../src/families/registry.js';
import type { StagedTree } from '../../src/coordinator/stage/stage.js';
import { BuildError } from '../../src/errors.js';
import { debPackager } from '../../src/families/debian/packager.js';
import { parseShlibs } from '../../src/families/debian/shlibs.js';
import { parseElfdeps } from '../../src/families/rpm/elfdeps.js';
import { makePackageInfo } from '../../src/coordinator/package/package-info.js';
import { parseCoreMetadata } from '../../src/pep/core-metadata.js';
import { filesEntry, rpmPackager } from '../../src/families/rpm/packager.js';
import { shipped } from '../../src/paths.js';
import { Templates } from '../../src/families/shared/templates.js';
import { ConfigError } from '../../src/errors.js';
import { BuildInputs } from '../../src/coordinator/cache/build-inputs.js';
import { throwsWithCode } from '../support/assert-error.js';

function golden(name: string, actual: string): void {
  const path = shipped('test', 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI === 'true' && !existsSync(path)) assert.fail(`golden file ${name} is missing; run UPDATE_GOLDEN=1 locally and commit it`);
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `rendered output differs from test/golden/${name} (UPDATE_GOLDEN=1 regenerates it)`);
}

function fixtureInfo(format: 'deb' | 'rpm', overrides: { version?: string; pure?: boolean; libraryDepends?: string[]; templates?: Templates } = {}) {
  // Each format renders for a target of its family: Debian 12 and Fedora 41.
  const target = TARGETS[format === 'deb' ? 'debian-12' : 'fedora-41']!;
  const layout = familyOf(target).installLayout(target, 'sample-project');
  const lib = layout.purelib;
  const tree: StagedTree = {
    root: '/nonexistent/stage',
    format,
    layout,
    pure: overrides.pure ?? true,
    byteCompiled: format === 'rpm',
    libraryDepends: overrides.libraryDepends ?? [],
    distInfo: `${lib}/sample_project-2.1rc1.dist-info`,
    entries: [
      { path: '/usr', type: 'dir', size: 0, mode: 0o755 },
      { path: '/usr/bin', type: 'dir', size: 0, mode: 0o755 },
      { path: '/usr/bin/sample', type: 'file', size: 210, mode: 0o644 },
      { path: lib, type: 'dir', size: 0, mode: 0o755 },
      { path: `${lib}/sample_project`, type: 'dir', size: 0, mode: 0o755 },
      { path: `${lib}/sample_project/__init__.py`, type: 'file', size: 4100, mode: 0o644 },
      { path: `${lib}/sample_project/data (v2).txt`, type: 'file', size: 12, mode: 0o644 },
      { path: `${lib}/sample_project-2.1rc1.dist-info`, type: 'dir', size: 0, mode: 0o755 },
      { path: `${lib}/sample_project-2.1rc1.dist-info/METADATA`, type: 'file', size: 900, mode: 0o644 },
    ],
    metadata: {
      name: 'Sample_Project',
      version: overrides.version ?? '2.1rc1',
      summary: 'A sample project for 100% golden tests',
      description: '# Sample\n\nIt does things.\n\n.hidden line\n\tindented with a tab\n',
      license: 'MIT',
      homepage: 'https://example.org/sample',
      requiresDist: ['requests>=2.31,<3', 'tomli; python_version < "3.11"', 'colorama; sys_platform == "win32"', 'attrs==23.*', 'pytest; extra == "test"', 'idna!=3.0,>=2'],
      licenseFiles: ['LICENSE'],
      warnings: [],
    },
  };
  return makePackageInfo({
    project: 'sample-project',
    tree,
    target,
    maintainer: 'Ops Team <ops@example.org>',
    release: 1,
    sdist: { filename: 'sample_project-2.1rc1.tar.gz', sha256: 'ab'.repeat(32), url: 'https://files.example.org/sample_project-2.1rc1.tar.gz' },
    licenseTexts: [{ name: 'LICENSE', text: 'MIT License\n\nPermission is hereby granted...\n' }],
    sourceDateEpoch: 1709294400,
    templates: overrides.templates,
  });
}

describe('deb render()', () => {
  const texts = debPackager.render(fixtureInfo('deb'));
  for (const name of ['control', 'postinst', 'prerm', 'copyright', 'changelog']) {
    it(`renders ${name} as in test/golden/deb-${name}.golden`, () => golden(`deb-${name}.golden`, texts[name]!));
  }
  it('keeps only dependencies whose markers hold for the target, with translated versions', () => {
    const depends = /^Depends: (.*)$/m.exec(texts.control!)![1]!;
    assert.equal(depends, 'python3:any, python3-requests (>= 2.31), python3-requests (<< 3.0~~), python3-attrs (>= 23.0~~), python3-attrs (<< 24.0~~), python3-idna (>= 2.0)');
  });
  it('names the file by Debian convention, without the epoch', () => {
    assert.equal(debPackager.fileName(fixtureInfo('deb')), 'python3-sample-project_2.1~rc1-1~deb12_all.deb');
    assert.equal(debPackager.fileName(fixtureInfo('deb', { version: '3!1.0' })), 'python3-sample-project_1.0-1~deb12_all.deb');
    assert.match(debPackager.render(fixtureInfo('deb', { version: '3!1.0' })).control!, /^Version: 3:1.0-1~deb12$/m);
  });
  it('is pure: the same input renders the same text', () => {
    assert.deepEqual(debPackager.render(fixtureInfo('deb')), texts);
  });
  it('gives compiled code the exact Python of its target and the shared libraries it needs', () => {
    const control = debPackager.render(fixtureInfo('deb', { pure: false, libraryDepends: ['libc6 (>= 2.34)', 'libssl3 (>= 3.0.0)'] })).control!;
    assert.match(control, /^Depends: python3 \(>= 3\.11~\), python3 \(<< 3\.12\), libc6 \(>= 2\.34\), libssl3 \(>= 3\.0\.0\), python3-requests /m);
  });
});

describe('parseShlibs()', () => {
  it('reads the relations of dpkg-shlibdeps -O', () => {
    assert.deepEqual(parseShlibs('shlibs:Depends=libc6 (>= 2.34), libgcc-s1 (>= 3.0) | libgcc1, libstdc++6 (>= 13.1)\n', 'x 1.0'), ['libc6 (>= 2.34)', 'libgcc-s1 (>= 3.0) | libgcc1', 'libstdc++6 (>= 13.1)']);
    assert.deepEqual(parseShlibs('', 'x 1.0'), []);
  });
  it('refuses what is not a dpkg relation rather than write it into the control file (exit 4)', () => {
    throwsWithCode(() => parseShlibs('shlibs:Depends=libc6 (>= 2.34), libx (>= 1)$(touch /tmp/p)\n', 'x 1.0'), BuildError, 'PACKAGING_FAILED');
    throwsWithCode(() => parseShlibs('shlibs:Depends=libc6 (>= 2.34) | Evil\n', 'x 1.0'), BuildError, 'PACKAGING_FAILED');
    // Only the one line counts: nothing after it can become a field of the control file.
    assert.deepEqual(parseShlibs('shlibs:Depends=libc6 (>= 2.34)\nPre-Depends: evil\n', 'x 1.0'), ['libc6 (>= 2.34)']);
  });
});

describe('rpm render()', () => {
  const { spec } = rpmPackager.render(fixtureInfo('rpm'));
  it('renders the spec as in test/golden/rpm-spec.golden', () => golden('rpm-spec.golden', spec!));
  it('requires python3dist() names and provides its own', () => {
    assert.match(spec!, /^Requires: +python3dist\(requests\) >= 2\.31$/m);
    assert.match(spec!, /^Requires: +python3dist\(requests\) < 3\.0~~$/m);
    assert.match(spec!, /^Provides: +python3dist\(sample-project\) = 2\.1~rc1$/m);
    assert.doesNotMatch(spec!, /tomli|colorama|pytest/);
  });
  it('owns its own directories but not the system ones', () => {
    assert.match(spec!, /^%dir "\/usr\/lib\/python3\.13\/site-packages\/sample_project"$/m);
    assert.doesNotMatch(spec!, /^%dir "\/usr\/bin"$/m);
    assert.doesNotMatch(spec!, /^%dir "\/usr\/lib\/python3\.13\/site-packages"$/m);
  });
  it('escapes macros in texts, and refuses file names rpm cannot carry literally, naming them', () => {
    assert.match(spec!, /100%% golden/);
    assert.equal(filesEntry('/usr/lib/x/data (v2).txt', false), '"/usr/lib/x/data (v2).txt"');
    for (const name of ['/usr/lib/x/%(touch pwned).py', '/usr/lib/x/a[1].txt', '/usr/lib/x/*.txt', '/usr/lib/x/a"b', "/usr/lib/x/a'b", '/usr/lib/x/a\\b', '/usr/lib/x/a\nb', '/usr/lib/x/{a,b}']) {
      const error = throwsWithCode(() => filesEntry(name, false), BuildError, 'UNSAFE_PACKAGE');
      assert.ok(error.message.includes(JSON.stringify(name)), error.message);
    }
  });
  it('names the file by RPM convention, with the epoch in the Epoch tag', () => {
    assert.equal(rpmPackager.fileName(fixtureInfo('rpm')), 'python3-sample-project-2.1~rc1-1.fc41.noarch.rpm');
    assert.match(rpmPackager.render(fixtureInfo('rpm', { version: '3!1.0' })).spec!, /^Epoch: +3$/m);
  });
});

describe('upstream metadata that would break a spec or a version', () => {
  it('leaves out a folded Home-page (once rpmbuild failed on it with "Unknown tag"), with a warning', () => {
    const metadata = parseCoreMetadata('Metadata-Version: 2.1\nName: folded\nVersion: 1.0\nHome-page: https://example.org/\n  Summary-Injected: yes\n\nBody\n', 'folded METADATA');
    assert.equal(metadata.homepage, undefined);
    assert.match(metadata.warnings.join('\n'), /not one http\(s\) URL on one line/);
    const info = fixtureInfo('rpm');
    const { spec } = rpmPackager.render({ ...info, homepage: metadata.homepage });
    assert.doesNotMatch(spec!, /^URL:/m);
    assert.equal(parseCoreMetadata('Metadata-Version: 2.1\nName: ok\nVersion: 1.0\nProject-URL: Homepage, https://example.org/ok\n', 'ok').homepage, 'https://example.org/ok');
  });

  it('refuses an upstream version that is not PEP 440 as a build failure (exit 4), not a usage error', () => {
    const error = throwsWithCode(() => fixtureInfo('deb', { version: '1.0-not.a.version!' }), BuildError, 'INVALID_METADATA');
    assert.equal(error.exitCode, 4);
  });
});

describe('parseElfdeps()', () => {
  it('reads the requires of rpm\'s elfdeps, less what the package provides itself', () => {
    const output = 'libm.so.6(GLIBC_2.2.5)(64bit)\nlibc.so.6()(64bit)\nlibvendored.so.1()(64bit)\nrtld(GNU_HASH)\n---\nlibvendored.so.1()(64bit)\n';
    assert.deepEqual(parseElfdeps(output, 'x 1.0'), ['libc.so.6()(64bit)', 'libm.so.6(GLIBC_2.2.5)(64bit)', 'rtld(GNU_HASH)']);
  });
  it('refuses a library name that would reach rpm\'s macro expansion (an ELF file names its libraries itself; exit 4)', () => {
    throwsWithCode(() => parseElfdeps('libc.so.6()(64bit)\nlib%(touch /tmp/p).so()(64bit)\n---\n', 'x 1.0'), BuildError, 'UNSAFE_PACKAGE');
    throwsWithCode(() => parseElfdeps('libc.so.6()(64bit)\n---\nlib{evil}.so()(64bit)\n', 'x 1.0'), BuildError, 'UNSAFE_PACKAGE');
  });
});

describe('templates from a directory of the user\'s own (--templates-dir)', () => {
  const userDir = shipped('test', 'fixtures', 'templates');
  it('a file there wins over pkg2os\'s, file by file', () => {
    const texts = debPackager.render(fixtureInfo('deb', { templates: new Templates(userDir) }));
    golden('deb-control-override.golden', texts.control!);
    assert.match(texts.control!, /^X-Organization-Build: python3-sample-project 2\.1~rc1-1~deb12, maintained by Ops Team <ops@example\.org>$/m);
    const shipped = debPackager.render(fixtureInfo('deb'));
    for (const name of ['postinst', 'prerm', 'copyright', 'changelog']) assert.equal(texts[name], shipped[name], `${name} has no override: pkg2os's own`);
  });
  it('a template that names a value the view does not have is a configuration error naming the file', () => {
    const error = throwsWithCode(() => rpmPackager.render(fixtureInfo('rpm', { templates: new Templates(userDir) })), ConfigError, 'INVALID_CONFIG');
    assert.match(error.message, /test\/fixtures\/templates\/rpm\/package\.spec\.hbs does not render/);
  });
  it('the user\'s templates are part of every package\'s inputs: another template, another digest', async () => {
    const [own, users] = await Promise.all([new BuildInputs().identity(), new BuildInputs(undefined, userDir).identity()]);
    assert.equal(own.userTemplates, undefined);
    assert.match(users.userTemplates ?? '', /^[0-9a-f]{64}$/);
  });
});
