/** Defensive unpacking, case by case, on archives written by Python's tarfile. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { unpackSdist } from '../../src/build/unpack.js';
import { EPOCH_FLOOR, sourceDateEpoch } from '../../src/build/source-date.js';
import { IntegrityError } from '../../src/errors.js';
import type { SourceArtifact } from '../../src/build/source-artifact.js';
import { rejectsWithCode } from '../support/assert-error.js';

type Entry = { name: string; type?: 'file' | 'symlink' | 'hardlink' | 'dir' | 'fifo'; link?: string; data?: string };

/** Write a tar.gz with exactly these entries. */
async function archive(entries: Entry[]): Promise<SourceArtifact> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-unpack-'));
  const path = join(dir, 'pkg-1.0.tar.gz');
  const script = `
import io, json, sys, tarfile
types = {"file": tarfile.REGTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "dir": tarfile.DIRTYPE, "fifo": tarfile.FIFOTYPE}
with tarfile.open(sys.argv[2], "w:gz", format=tarfile.PAX_FORMAT) as t:
    for e in json.loads(sys.argv[1]):
        ti = tarfile.TarInfo(e["name"]); ti.type = types[e.get("type", "file")]; ti.linkname = e.get("link", ""); ti.mode = 0o755 if ti.type == tarfile.DIRTYPE else 0o644
        data = e.get("data", "x").encode()
        if ti.type == tarfile.REGTYPE:
            ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        else:
            t.addfile(ti)
`;
  await execa('/usr/bin/python3', ['-c', script, JSON.stringify(entries), path]);
  const candidate = { project: 'pkg', version: '1.0', file: { filename: 'pkg-1.0.tar.gz', url: 'http://127.0.0.1/pkg-1.0.tar.gz', hashes: {}, yanked: false as const } };
  return { candidate, path, sha256: '0'.repeat(64), size: 0 };
}

const base: Entry[] = [{ name: 'pkg-1.0/pyproject.toml', data: '[build-system]\n' }];

async function refused(entries: Entry[], message: RegExp, code = 'UNSAFE_ARCHIVE', limits?: { maxTotalBytes: number; maxEntries: number }) {
  const artifact = await archive(entries);
  const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dest-'));
  const error = await rejectsWithCode(unpackSdist(artifact, dest, limits), IntegrityError, code);
  assert.match(error.message, message);
  return dest;
}

describe('unpacking an sdist', () => {
  it('unpacks a normal sdist, with links that stay inside, and finds its source tree', async () => {
    const artifact = await archive([...base, { name: 'pkg-1.0/pkg/__init__.py' }, { name: 'pkg-1.0/docs/readme', type: 'symlink', link: '../pkg/__init__.py' }, { name: 'pkg-1.0/pkg/copy.py', type: 'hardlink', link: 'pkg-1.0/pkg/__init__.py' }]);
    const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dest-'));
    const source = await unpackSdist(artifact, dest);
    assert.equal(source, join(dest, 'pkg-1.0'));
    assert.deepEqual((await readdir(join(source, 'pkg'))).sort(), ['__init__.py', 'copy.py']);
  });

  it('refuses ".." paths without writing anything', async () => {
    const dest = await refused([...base, { name: 'pkg-1.0/../../escaped' }], /"pkg-1.0\/..\/..\/escaped" would be written outside/);
    assert.deepEqual(await readdir(dest), []);
  });
  it('refuses absolute paths', async () => {
    await refused([...base, { name: '/tmp/pkg2os-abs' }], /would be written outside/);
  });
  it('refuses symbolic links that leave the tree, absolute or relative', async () => {
    await refused([...base, { name: 'pkg-1.0/l', type: 'symlink', link: '/etc/passwd' }], /points outside the tree, to "\/etc\/passwd"/);
    await refused([...base, { name: 'pkg-1.0/l', type: 'symlink', link: '../../../etc' }], /points outside the tree/);
  });
  it('refuses entries written through a link', async () => {
    await refused([...base, { name: 'pkg-1.0/l', type: 'symlink', link: 'sub' }, { name: 'pkg-1.0/l/file' }], /written through the link "pkg-1.0\/l"/);
  });
  it('refuses a chain of links that escapes only when resolved', async () => {
    // "up" -> "." looks harmless, and "esc" -> "up/.." looks like "." on paper, but resolves to the parent.
    await refused([...base, { name: 'up', type: 'symlink', link: '.' }, { name: 'esc', type: 'symlink', link: 'up/..' }], /resolves outside the tree/);
  });
  it('refuses hard links to outside files', async () => {
    await refused([...base, { name: 'pkg-1.0/h', type: 'hardlink', link: '/etc/shadow' }], /hard link "pkg-1.0\/h" points outside/);
  });
  it('refuses device files and FIFOs', async () => {
    await refused([...base, { name: 'pkg-1.0/p', type: 'fifo' }], /is a FIFO/);
  });
  it('refuses archives that unpack beyond the size or entry bound', async () => {
    await refused([...base, { name: 'pkg-1.0/big', data: 'x'.repeat(5000) }], /unpacks to more than 4096 bytes/, 'ARCHIVE_TOO_LARGE', { maxTotalBytes: 4096, maxEntries: 100 });
    await refused([...base, { name: 'pkg-1.0/a' }, { name: 'pkg-1.0/b' }], /more than 2 entries/, 'UNSAFE_ARCHIVE', { maxTotalBytes: 1e9, maxEntries: 2 });
  });
  it('refuses an archive that is not an sdist', async () => {
    await refused([{ name: 'something/else.txt' }], /no top-level directory holds a pyproject.toml or setup.py/, 'UNSUPPORTED_ARCHIVE');
  });
  it('refuses a corrupt archive', async () => {
    const artifact = await archive(base);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(artifact.path, Buffer.from('\x1f\x8b\x08\x00garbage'));
    const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dest-'));
    await rejectsWithCode(unpackSdist(artifact, dest), IntegrityError, 'UNSUPPORTED_ARCHIVE');
    assert.ok(!existsSync(join(dest, 'pkg-1.0')));
  });
});

/** Write a .tar.bz2 or .zip with exactly these entries (zip: files and symbolic links). */
async function otherArchive(kind: 'bz2' | 'zip', entries: Entry[]): Promise<SourceArtifact> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-unpack-'));
  const filename = kind === 'zip' ? 'pkg-1.0.zip' : 'pkg-1.0.tar.bz2';
  const path = join(dir, filename);
  const script = `
import io, json, sys, tarfile, zipfile
entries = json.loads(sys.argv[1])
if sys.argv[3] == "zip":
    with zipfile.ZipFile(sys.argv[2], "w") as z:
        for e in entries:
            info = zipfile.ZipInfo(e["name"])
            if e.get("type") == "symlink":
                info.external_attr = (0o120777 << 16); z.writestr(info, e["link"])
            else:
                info.external_attr = (0o100644 << 16); z.writestr(info, e.get("data", "x"))
else:
    with tarfile.open(sys.argv[2], "w:bz2") as t:
        for e in entries:
            data = e.get("data", "x").encode(); ti = tarfile.TarInfo(e["name"]); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
`;
  await execa('/usr/bin/python3', ['-c', script, JSON.stringify(entries), path, kind]);
  const candidate = { project: 'pkg', version: '1.0', file: { filename, url: `http://127.0.0.1/${filename}`, hashes: {}, yanked: false as const } };
  return { candidate, path, sha256: '0'.repeat(64), size: 0 };
}

describe('unpacking older sdist formats with the same rules', () => {
  for (const kind of ['bz2', 'zip'] as const) {
    it(`unpacks a .${kind === 'zip' ? 'zip' : 'tar.bz2'} sdist and finds its source tree`, async () => {
      const artifact = await otherArchive(kind, [...base, { name: 'pkg-1.0/pkg/__init__.py', data: 'X = 1\n' }]);
      const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dest-'));
      assert.equal(await unpackSdist(artifact, dest), join(dest, 'pkg-1.0'));
      assert.deepEqual(await readdir(join(dest, 'pkg-1.0', 'pkg')), ['__init__.py']);
    });
    it(`refuses ".." in a .${kind === 'zip' ? 'zip' : 'tar.bz2'} without writing anything`, async () => {
      const artifact = await otherArchive(kind, [...base, { name: 'pkg-1.0/../../escaped.txt' }]);
      const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dest-'));
      await rejectsWithCode(unpackSdist(artifact, dest), IntegrityError, 'UNSAFE_ARCHIVE');
      assert.deepEqual(await readdir(dest), []);
    });
  }
  it('refuses a symbolic link in a .zip', async () => {
    const artifact = await otherArchive('zip', [...base, { name: 'pkg-1.0/etc', type: 'symlink', link: '/etc' }]);
    await rejectsWithCode(unpackSdist(artifact, await mkdtemp(join(tmpdir(), 'pkg2os-dest-'))), IntegrityError, 'UNSAFE_ARCHIVE');
  });
  it('refuses a .tar.bz2 or .zip that unpacks beyond the size bound', async () => {
    for (const kind of ['bz2', 'zip'] as const) {
      const artifact = await otherArchive(kind, [...base, { name: 'pkg-1.0/big', data: 'x'.repeat(100_000) }]);
      await rejectsWithCode(unpackSdist(artifact, await mkdtemp(join(tmpdir(), 'pkg2os-dest-')), { maxTotalBytes: 50_000, maxEntries: 100 }), IntegrityError, 'ARCHIVE_TOO_LARGE');
    }
  });
});

describe('SOURCE_DATE_EPOCH of an sdist', () => {
  it('is PKG-INFO\'s mtime; when that is 1970 (flit writes it so), the newest top-level entry\'s; never before 1980', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-sde-'));
    await writeFile(join(dir, 'PKG-INFO'), 'Metadata-Version: 2.4\n');
    await writeFile(join(dir, 'README.md'), 'x');
    await utimes(join(dir, 'PKG-INFO'), 0, 0);
    await utimes(join(dir, 'README.md'), 1741204260, 1741204260);
    assert.equal(await sourceDateEpoch(dir), 1741204260);
    await utimes(join(dir, 'PKG-INFO'), 1709294400, 1709294400);
    assert.equal(await sourceDateEpoch(dir), 1709294400, 'a real PKG-INFO time wins');
    await utimes(join(dir, 'PKG-INFO'), 0, 0);
    await utimes(join(dir, 'README.md'), 0, 0);
    await utimes(dir, 0, 0);
    assert.equal(await sourceDateEpoch(dir), EPOCH_FLOOR);
  });
});
