/**
 * Hostile suite (make test-hostile), part 1: what a compromised upstream
 * release goes after first — the signing key and its passphrase, the signing
 * socket, the cache and the repository. Each attack runs inside a real build,
 * as a user runs pkg2os (key and passphrase in the environment, --repo).
 */
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extract } from '../support/inspect.js';
import { HostileWorld, PASSPHRASE, survivors } from '../support/hostile-world.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const world = new HostileWorld();
const TAG = `pkg2os-hostile-daemon-${process.pid}`;

before(async () => {
  await world.start();
  await writeFile(join(world.dir, 'passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
  // Key theft: walk /proc for pkg2os, read its command line, environment and memory, and the key files; ship what was found.
  await world.add({
    name: 'hostile-key-theft',
    attack: `
found = []
for pid in os.listdir("/proc"):
    if not pid.isdigit(): continue
    for f in ("cmdline", "environ"):
        try:
            data = open("/proc/%s/%s" % (pid, f), "rb").read()
            if b"PKG2OS" in data or b"--repo" in data or b"node" in data: found.append(data)
        except Exception: pass
    try:
        with open("/proc/%s/mem" % pid, "rb") as m: found.append(m.read(4096))
    except Exception: pass
for path in CONFIG["secrets"]:
    try: found.append(open(path, "rb").read())
    except Exception: pass
    try: found.append(repr(os.listdir(path)).encode())
    except Exception: pass
found.append(repr(dict(os.environ)).encode())
EXTRA["stolen.txt"] = repr(found)
`,
  });
  // Signing oracle: a double-forked daemon that outlives its build and looks for the sign socket and token.
  await world.add({
    name: 'hostile-oracle',
    config: { tag: TAG },
    attack: `
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        script = 'i=0; while [ $i -lt 120 ]; do for s in /tmp/pkg2os-sign-*/sign.sock ${'${'}HOSTTMP}/pkg2os-sign-*/sign.sock; do [ -S "$s" ] && echo "$s" > "$MARKER/oracle"; done; i=$((i+1)); sleep 0.5; done'
        os.execve("/bin/sh", ["sh", "-c", script, CONFIG["tag"]], {"PATH": "/usr/bin:/bin", "MARKER": CONFIG["marker"], "HOSTTMP": CONFIG["hosttmp"]})
    os._exit(0)
`,
  });
  // Cache poisoning: find the cache and rewrite what is in it.
  await world.add({
    name: 'hostile-cache',
    attack: `
for root, dirs, files in os.walk(CONFIG["cache"]):
    for f in files:
        try:
            with open(os.path.join(root, f), "ab") as h: h.write(b"poisoned")
        except Exception: pass
try:
    os.makedirs(os.path.join(CONFIG["cache"], "package", "poisoned"), exist_ok=True)
except Exception: pass
`,
  });
  // Repository injection: drop a package into the pool and delete the pool's record.
  await world.add({
    name: 'hostile-repo',
    attack: `
for rel in ("deb/pool/main/p/python3-evil/python3-evil_99:1.0-1_all.deb", "rpm/el9/Packages/python3-evil-1.0-99.el9.noarch.rpm"):
    try:
        os.makedirs(os.path.dirname(os.path.join(CONFIG["repo"], rel)), exist_ok=True)
        open(os.path.join(CONFIG["repo"], rel), "wb").write(b"evil")
    except Exception: pass
for rel in ("deb/.pkg2os/pool-record.json", "rpm/el9/.pkg2os/rpm-cache.json"):
    try: os.remove(os.path.join(CONFIG["repo"], rel))
    except Exception: pass
`,
  });
  world.index.add('victim', await makeSdist({ name: 'victim', version: '1.0' }));
});
after(() => world.stop());

describe('hostile builds: secrets, cache and repository', () => {
  it('key theft: nothing of the key, the passphrase or pkg2os\'s process is readable, and nothing of it ships', async () => {
    const result = await world.build('hostile-key-theft');
    assert.equal(result.exitCode, 0, result.stderr);
    const deb = (await readdir(join(result.out, 'deb')))[0]!;
    const stolen = await readFile(join(await extract(join(result.out, 'deb', deb)), 'usr/lib/python3/dist-packages/hostile_key_theft/stolen.txt'), 'latin1');
    assert.doesNotMatch(stolen, /PKG2OS|--repo|PRIVATE KEY/, 'nothing of pkg2os was visible');
    assert.ok(!stolen.includes(PASSPHRASE));
    await world.assertNoSecrets(result.out);
    await world.assertNothingReached();
  });

  it('key theft where the key lies under /usr, which every sandbox sees: that path is hidden', async () => {
    const dir = `/usr/share/pkg2os-hostile-${process.pid}`;
    await mkdir(dir, { recursive: true });
    try {
      await copyFile(join(world.keyDir, 'private.asc'), join(dir, 'private.asc'));
      // Readable by anyone, as a careless setup might leave it: only hiding keeps it from the build.
      await chmod(join(dir, 'private.asc'), 0o644);
      world.index.projects.delete('hostile-usr-key');
      await world.add({ name: 'hostile-usr-key', config: { secrets: [join(dir, 'private.asc')] }, attack: 'data = b""\nfor p in CONFIG["secrets"]:\n    try: data += open(p, "rb").read()\n    except Exception as e: data += repr(e).encode()\nEXTRA["stolen.txt"] = data\n' });
      const result = await world.build('hostile-usr-key', ['--format', 'deb', '--key', join(dir, 'private.asc')]);
      assert.equal(result.exitCode, 0, result.stderr);
      const deb = (await readdir(join(result.out, 'deb')))[0]!;
      const stolen = await readFile(join(await extract(join(result.out, 'deb', deb)), 'usr/lib/python3/dist-packages/hostile_usr_key/stolen.txt'), 'latin1');
      assert.doesNotMatch(stolen, /PRIVATE KEY/);
      await world.assertNoSecrets(result.out);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('signing oracle: a daemon does not outlive its build, and never sees a sign socket', async () => {
    const result = await world.build('hostile-oracle');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await survivors(TAG), [], 'no process of the build survived it');
    await world.assertNothingReached();
  });

  it('cache poisoning: the cache is out of reach, and an entry rewritten with fixed-up digests is refused and rebuilt', async () => {
    const first = await world.build('victim', ['--format', 'deb']);
    assert.equal(first.exitCode, 0, first.stderr);
    const attacked = await world.build('hostile-cache');
    assert.equal(attacked.exitCode, 0, attacked.stderr);
    await world.assertNothingReached();
    // As if a build had escaped anyway: swap the cached package for another one and fix its recorded digest.
    const indices = (await readdir(join(world.cache, 'package'), { recursive: true, withFileTypes: true })).filter((e) => e.name === 'index.json').map((e) => join(e.parentPath, e.name));
    let victim: string | undefined;
    for (const path of indices) if ((await readFile(path, 'utf8')).includes('"python3-victim"')) victim = path;
    assert.ok(victim, 'the victim is cached');
    const index = JSON.parse(await readFile(victim!, 'utf8')) as { files: Array<{ name: string; sha256: string }> };
    const file = join(victim!, '..', 'files', index.files[0]!.name);
    await copyFile((await readdir(join(attacked.out, 'deb'))).map((f) => join(attacked.out, 'deb', f))[0]!, file);
    const { createHash } = await import('node:crypto');
    index.files[0]!.sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    await writeFile(victim!, JSON.stringify(index));
    const again = await world.build('victim', ['--format', 'deb', '--json']);
    assert.equal(again.exitCode, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    assert.equal(report.summary.corruptCacheEntries, 1, 'the forged entry was found');
    assert.equal(report.summary.built, 1, 'and the package was built again, not reused');
    assert.doesNotMatch(await readFile(join(again.out, report.packages[0].packages[0].file), 'latin1'), /hostile/);
  });

  it('repository injection: the repository is out of reach; a package dropped into the pool and a deleted record change nothing that is listed', async () => {
    const result = await world.build('hostile-repo');
    assert.equal(result.exitCode, 0, result.stderr);
    await world.assertNothingReached();
    const packages = () => readFile(join(world.repo, 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    const listed = await packages();
    // As if it had escaped: a package in the pool, the records gone.
    const intruder = join(world.repo, 'deb/pool/main/p/python3-evil/python3-evil_99:1.0-1_all.deb');
    await mkdir(join(intruder, '..'), { recursive: true });
    await copyFile((await readdir(join(result.out, 'deb'))).map((f) => join(result.out, 'deb', f))[0]!, intruder);
    await copyFile((await readdir(join(result.out, 'rpm'))).map((f) => join(result.out, 'rpm', f))[0]!, join(world.repo, 'rpm/el9/Packages/python3-evil-1.0-99.el9.noarch.rpm'));
    await rm(join(world.repo, 'deb/.pkg2os/pool-record.json'));
    await rm(join(world.repo, 'rpm/el9/.pkg2os/rpm-cache.json'));
    const next = await world.build('victim');
    assert.equal(next.exitCode, 0, next.stderr);
    assert.match(next.stderr, /record was lost; rebuilt it from the signed/);
    const after = await packages();
    assert.doesNotMatch(after, /python3-evil/);
    for (const name of listed.match(/^Package: .*$/gm) ?? []) assert.ok(after.includes(name), `${name} is still listed`);
    const { execa } = await import('execa');
    const primary = String((await execa('sh', ['-c', `xz -dc ${join(world.repo, 'rpm/el9/repodata')}/*-primary.xml.xz`])).stdout);
    assert.doesNotMatch(primary, /python3-evil/);
    // A published file whose bytes changed is refused, not re-listed.
    const published = /^Filename: (\S+)$/m.exec(after)![1]!;
    await writeFile(join(world.repo, 'deb', published), 'changed');
    const refused = await world.build('victim');
    assert.equal(refused.exitCode, 7, refused.stderr);
    assert.match(refused.stderr, /is not the file pkg2os put there/);
  });
});
