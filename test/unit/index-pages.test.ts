import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, IndexError } from '../../src/errors.js';
import type { ProjectPage } from '../../src/pep/index.types.js';
import { parsePep503, parsePep691 } from '../../src/coordinator/index/parse-project-page.js';
import { parseSdistFilename, selectSdist } from '../../src/coordinator/index/select.js';
import { checkUrl, projectUrl, redactUrl } from '../../src/url-policy.js';
import { parseRequirement } from '../../src/pep/requirement.js';
import { rejectsWithCode, throwsWithCode } from '../support/assert-error.js';

const PAGE = 'https://index.example.org/simple/py/';

describe('PEP 503 HTML pages', () => {
  it('reads hashes, escaped Requires-Python, yanked and gpg-sig, resolving relative URLs', () => {
    const html = `<!DOCTYPE html><html><body>
      <a href="../../files/py-1.11.0.tar.gz#sha256=51C75C41" data-requires-python="&gt;=2.7, !=3.0.*" data-gpg-sig="true">py-1.11.0.tar.gz</a><br/>
      <a href="https://cdn.example.org/py-1.10.0.tar.gz#md5=abc" data-yanked="broken">py-1.10.0.tar.gz</a>
      <a href="py-1.9.0.zip" data-yanked="">py-1.9.0.zip</a>
    </body></html>`;
    const files = parsePep503(html, PAGE);
    assert.equal(files.length, 3);
    assert.deepEqual(files[0], {
      filename: 'py-1.11.0.tar.gz',
      url: 'https://index.example.org/files/py-1.11.0.tar.gz',
      hashes: { sha256: '51c75c41' },
      requiresPython: '>=2.7, !=3.0.*',
      yanked: false,
      gpgSig: true,
    });
    assert.deepEqual(files[1]!.hashes, {}, 'md5 is not a hash pkg2os trusts');
    assert.equal(files[1]!.yanked, 'broken');
    assert.equal(files[2]!.yanked, true);
    assert.equal(files[2]!.url, 'https://index.example.org/simple/py/py-1.9.0.zip');
  });
  it('honours <base href>', () => {
    const files = parsePep503('<base href="https://mirror.example.org/pkgs/"><a href="a-1.0.tar.gz">a-1.0.tar.gz</a>', PAGE);
    assert.equal(files[0]!.url, 'https://mirror.example.org/pkgs/a-1.0.tar.gz');
  });
});

describe('PEP 691 JSON pages', () => {
  it('reads files with hashes, yanked reasons and gpg-sig', () => {
    const json = JSON.stringify({
      meta: { 'api-version': '1.0' },
      name: 'py',
      files: [
        { filename: 'py-1.11.0.tar.gz', url: '../../files/py-1.11.0.tar.gz', hashes: { sha256: 'AB', md5: 'x' }, 'requires-python': '>=3.6', 'gpg-sig': false, yanked: 'bad release' },
      ],
    });
    const [file] = parsePep691(json, PAGE);
    assert.deepEqual(file, { filename: 'py-1.11.0.tar.gz', url: 'https://index.example.org/files/py-1.11.0.tar.gz', hashes: { sha256: 'ab' }, requiresPython: '>=3.6', yanked: 'bad release', gpgSig: false });
  });
  it('refuses a page that is not PEP 691', () => {
    throwsWithCode(() => parsePep691('{"projects": []}', PAGE), IndexError, 'INDEX_MALFORMED');
    throwsWithCode(() => parsePep691('<html>', PAGE), IndexError, 'INDEX_MALFORMED');
  });
});

describe('sdist file names', () => {
  it('splits legacy names with dashes by the project name', () => {
    assert.deepEqual(parseSdistFilename('python-yubico-1.3.3.tar.gz', 'python-yubico'), { version: '1.3.3', suffix: '.tar.gz' });
    assert.deepEqual(parseSdistFilename('Django-3.2.25.tar.gz', 'django'), { version: '3.2.25', suffix: '.tar.gz' });
    assert.deepEqual(parseSdistFilename('zope.interface-6.0.tar.gz', 'zope-interface'), { version: '6.0', suffix: '.tar.gz' });
  });
  it('ignores wheels, other projects and invalid versions', () => {
    assert.equal(parseSdistFilename('Django-3.2.25-py3-none-any.whl', 'django'), undefined);
    assert.equal(parseSdistFilename('django-extensions-3.0.tar.gz', 'django'), undefined);
    assert.equal(parseSdistFilename('django-latest.tar.gz', 'django'), undefined);
  });
});

describe('choosing the sdist', () => {
  const file = (filename: string, extra: Partial<ProjectPage['files'][number]> = {}) => ({ filename, url: `https://x.example.org/${filename}`, hashes: { sha256: 'aa' }, yanked: false as const, ...extra });
  const page: ProjectPage = {
    project: 'demo',
    url: PAGE,
    format: 'pep503-html',
    files: [
      file('demo-1.0.tar.gz'),
      file('demo-1.1.tar.gz'),
      file('demo-1.2-py3-none-any.whl'),
      file('demo-2.0.tar.gz', { requiresPython: '>=3.12' }),
      file('demo-1.5.tar.gz', { yanked: 'security bug' }),
      file('demo-3.0rc1.tar.gz'),
      file('demo-1.1.zip'),
    ],
  };
  const select = (req: string, python = '3.11.2', pre = false) => selectSdist(page, parseRequirement(req), { pythonFullVersion: python, pre });
  it('takes the newest final release that fits the target Python, skipping wheels and yanked files', () => {
    assert.equal(select('demo').version, '1.1');
    assert.equal(select('demo').file.filename, 'demo-1.1.tar.gz', '.tar.gz is preferred over .zip');
    assert.equal(select('demo', '3.12.3').version, '2.0');
  });
  it('honours the specifier', () => {
    assert.equal(select('demo<1.1').version, '1.0');
  });
  it('takes pre-releases when asked for, or when they are all that matches', () => {
    assert.equal(select('demo', '3.12.3', true).version, '3.0rc1');
    assert.equal(select('demo>=3.0rc1').version, '3.0rc1');
    assert.equal(select('demo>2.5', '3.12.3').version, '3.0rc1');
  });
  it('takes a yanked file only when pinned exactly', () => {
    assert.equal(select('demo==1.5').version, '1.5');
  });
  it('explains why nothing matches', async () => {
    const error = await rejectsWithCode(async () => select('demo>=2.0,<3'), IndexError, 'NO_MATCHING_DISTRIBUTION');
    assert.match(error.message, /1\.0, 1\.1, 2\.0, 1\.5, 3\.0rc1/);
    const wheelsOnly: ProjectPage = { ...page, files: [file('demo-1.0-py3-none-any.whl')] };
    assert.throws(() => selectSdist(wheelsOnly, parseRequirement('demo'), { pythonFullVersion: '3.11.2' }), /no source distribution/);
  });
});

describe('index URL policy', () => {
  it('allows https anywhere and http only on loopback', () => {
    assert.equal(checkUrl('https://pypi.org/simple/', false).href, 'https://pypi.org/simple/');
    assert.ok(checkUrl('http://127.0.0.1:8080/simple/', false));
    assert.ok(checkUrl('http://localhost/simple/', false));
    assert.ok(checkUrl('http://[::1]:9/simple/', false));
    throwsWithCode(() => checkUrl('http://mirror.example.org/simple/', false), ConfigError, 'INSECURE_INDEX');
    assert.ok(checkUrl('http://mirror.example.org/simple/', true));
    throwsWithCode(() => checkUrl('ftp://mirror.example.org/simple/', true), IndexError, 'INSECURE_INDEX');
    throwsWithCode(() => checkUrl('not a url', false), ConfigError, 'USAGE');
  });
  it('builds project URLs and hides credentials', () => {
    assert.equal(projectUrl(new URL('https://x.example.org/simple'), 'django').href, 'https://x.example.org/simple/django/');
    assert.equal(redactUrl('https://user:secret@x.example.org/simple/'), 'https://***@x.example.org/simple/');
  });
});

describe('index pages are parsed totally: any bytes are a list of files or an IndexError, never a TypeError', () => {
  const PAGE = 'https://index.example.org/simple/demo/';
  const total = (parse: () => unknown) => {
    try {
      const files = parse();
      return Array.isArray(files);
    } catch (error) {
      return error instanceof IndexError && error.code === 'INDEX_MALFORMED';
    }
  };
  it('refuses the malformed pages an outside test found, with a message naming the page', () => {
    for (const body of ['null', '{"files":[null]}', '{"files":[{"filename":"a.tar.gz","url":"http://[::1"}]}', '[]', '{"files":{}}', '"x"', '{"files":[{"filename":"a.tar.gz","url":"a.tar.gz","provenance":"http://[::1"}]}']) {
      const error = throwsWithCode(() => parsePep691(body, PAGE), IndexError, 'INDEX_MALFORMED');
      assert.match(error.message, /https:\/\/index\.example\.org\/simple\/demo\//);
    }
    for (const body of ['<a href="http://[::1">a.tar.gz</a>', '<base href="http://[::1"><a href="a.tar.gz">a.tar.gz</a>', '<a href="a.tar.gz" data-provenance="http://[::1">a.tar.gz</a>', '<a href="%E0%A4%A">  </a>']) {
      throwsWithCode(() => parsePep503(body, PAGE), IndexError, 'INDEX_MALFORMED');
    }
  });
  it('PEP 691: any string, any JSON value, any file entry', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => total(() => parsePep691(s, PAGE))));
    fc.assert(fc.property(fc.json(), (s) => total(() => parsePep691(s, PAGE))));
    const entry = fc.record({ filename: fc.oneof(fc.string(), fc.constant(null)), url: fc.oneof(fc.webUrl(), fc.string(), fc.constant('http://[::1')), hashes: fc.anything(), yanked: fc.anything(), provenance: fc.oneof(fc.string(), fc.anything()) }, { requiredKeys: [] });
    fc.assert(fc.property(fc.array(fc.oneof(entry, fc.anything())), (files) => total(() => parsePep691(JSON.stringify({ files }), PAGE))));
  });
  it('PEP 503: any string, any anchors', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => total(() => parsePep503(s, PAGE))));
    const anchor = fc.tuple(fc.string(), fc.string(), fc.string()).map(([href, prov, text]) => `<a href="${href.replace(/"/g, '')}" data-provenance="${prov.replace(/"/g, '')}">${text.replace(/</g, '')}</a>`);
    fc.assert(fc.property(fc.array(anchor), fc.string(), (anchors, base) => total(() => parsePep503(`<base href="${base.replace(/"/g, '')}">${anchors.join('')}`, PAGE))));
  });
});
