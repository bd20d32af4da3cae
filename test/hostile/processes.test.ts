/**
 * Hostile suite (make test-hostile), part 3: the network, other namespaces,
 * and resources — a build that never ends, one that floods its output, one
 * that forks without end, one that writes a huge file, and pkg2os itself
 * stopped in the middle of a build.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { cgroupSupport, ownerAlive } from '../../src/box/cgroup.js';
import { extract } from '../support/inspect.js';
import { HostileWorld, PASSPHRASE, survivors } from '../support/hostile-world.js';

const world = new HostileWorld();
const TAG = `pkg2os-hostile-sleeper-${process.pid}`;
let config: string;

const sleeper = `
import subprocess, time
subprocess.Popen(["/bin/sh", "-c", "sleep 600", CONFIG["tag"]])
time.sleep(600)
`;

before(async () => {
  await world.start();
  config = join(world.dir, 'limits.yaml');
  await writeFile(config, 'build-limits:\n  processes: 64\n  file-size-mib: 8\n  memory-mib: 256\n');
  await world.add({
    name: 'hostile-network',
    attack: `
import subprocess
found = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        r = subprocess.run(["nsenter", "--net=/proc/%s/ns/net" % pid, "--", "/usr/bin/python3", "-c", "import socket; socket.create_connection(('127.0.0.1', %d), timeout=2)" % CONFIG["port"]], capture_output=True)
        found.append((pid, r.returncode))
for target in ("/run/systemd/private", "/var/run/docker.sock", "/run/dbus/system_bus_socket"):
    _try("unix " + target, lambda: socket.socket(socket.AF_UNIX).connect(target))
EXTRA["nsenter.txt"] = repr(found)
`,
  });
  await world.add({ name: 'hostile-sleeper', config: { tag: TAG }, attack: sleeper });
  await world.add({ name: 'hostile-stopped', config: { tag: `${TAG}-term` }, attack: sleeper });
  await world.add({ name: 'hostile-flood', attack: 'chunk = b"x" * (1024 * 1024)\nfor i in range(300): sys.stdout.buffer.write(chunk)\nsys.stdout.flush()\n' });
  await world.add({
    name: 'hostile-forks',
    attack: `
import subprocess
started = 0
for i in range(300):
    try:
        subprocess.Popen(["/bin/sleep", "30"]); started += 1
    except Exception: break
EXTRA["forks.txt"] = str(started)
`,
  });
  // Three processes of 150 MiB each: every one is far under the address-space limit (per process), together over the build's memory.
  await world.add({
    name: 'hostile-memory',
    attack: `
import time
pids = []
for i in range(3):
    pid = os.fork()
    if pid == 0:
        hoard = b"x" * (150 << 20)
        time.sleep(3)
        os._exit(0)
    pids.append(pid)
statuses = [os.waitpid(p, 0)[1] for p in pids]
# As a compiler killed by the kernel fails its build:
if any(statuses): raise SystemExit("a worker process died: %r" % statuses)
`,
  });
  await world.add({ name: 'hostile-big-file', attack: 'open("/build/tmp/big", "wb").write(b"x" * (64 * 1024 * 1024))\n' });
});
after(() => world.stop());

describe('hostile builds: network, processes and resources', () => {
  it('reaches neither the host\'s network (directly or through nsenter) nor its Unix sockets', async () => {
    const result = await world.build('hostile-network', ['--format', 'deb']);
    assert.equal(result.exitCode, 0, result.stderr);
    const deb = join(result.out, 'deb', (await readdir(join(result.out, 'deb')))[0]!);
    const seen = await readFile(join(await extract(deb), 'usr/lib/python3/dist-packages/hostile_network/nsenter.txt'), 'utf8');
    assert.ok(Number(/\('(\d+)'/.exec(seen)?.[1] ?? 0) < 10, `only the sandbox's own processes are visible: ${seen}`);
    await world.assertNothingReached();
  });

  it('a build that never ends is killed with every process it started after build-timeout, and its work directory goes (exit 4)', async () => {
    const recipes = join(world.dir, 'recipes');
    await mkdir(recipes, { recursive: true });
    await writeFile(join(recipes, 'hostile-sleeper.yaml'), 'build-timeout: 3s\n');
    const temp = await mkdtemp(join(tmpdir(), 'pkg2os-hostile-tmp-'));
    await chmod(temp, 0o755);
    const started = Date.now();
    const result = await world.build('hostile-sleeper', ['--recipes-dir', recipes], { TMPDIR: temp });
    assert.equal(result.exitCode, 4, result.stderr);
    assert.ok(Date.now() - started < 30_000, 'it did not wait for the build');
    assert.match(result.stderr, /took longer than 3 s; every process of it was killed/);
    assert.deepEqual(await survivors(TAG), []);
    assert.deepEqual(await readdir(temp), [], 'the work directory was removed');
  });

  it('pkg2os stopped by SIGTERM kills the build it waits on and removes its work directory', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'pkg2os-hostile-tmp-'));
    await chmod(temp, 0o755);
    const child = execa(shipped('bin', 'pkg2os'), ['build', 'hostile-stopped', '--index-url', world.index.url, '--out', join(world.dir, 'stopped-out'), '--no-lockfile', '--no-progress', '--maintainer', 'Hostile <hostile@example.org>', '--repo', world.repo], {
      reject: false,
      env: { TMPDIR: temp, PKG2OS_SIGNING_KEY: join(world.keyDir, 'private.asc'), PKG2OS_KEY_PASSPHRASE: PASSPHRASE, PKG2OS_CACHE_DIR: world.cache },
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    for (let i = 0; i < 200 && (await survivors(`${TAG}-term`)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok((await survivors(`${TAG}-term`)).length > 0, `the build started: ${stderr}`);
    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 143, stderr);
    assert.match(stderr, /stopped by SIGTERM/);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await survivors(`${TAG}-term`), [], 'the build\'s processes died with it');
    assert.deepEqual(await readdir(temp), [], 'the work directory was removed');
  });

  it('300 MiB of build output: the log stops at its limit with a note, and pkg2os stays small', async () => {
    const out = join(await mkdtemp(join(world.dir, 'flood-')), 'out');
    const r = await execa('/usr/bin/time', ['-f', 'maxrss=%M', shipped('bin', 'pkg2os'), 'build', 'hostile-flood', '--index-url', world.index.url, '--out', out, '--no-lockfile', '--format', 'deb', '--maintainer', 'Hostile <hostile@example.org>', '--no-cache'], { reject: false, env: { PKG2OS_KEYS_DIR: join(world.dir, 'keys') } });
    assert.equal(r.exitCode, 0, String(r.stderr));
    const log = join(out, 'logs', 'hostile-flood-1.0.log');
    assert.ok((await stat(log)).size < 65 * 1024 * 1024, 'the log is capped at 64 MiB');
    assert.match((await readFile(log, 'utf8')).slice(-10_000), /output truncated here: more than 67108864 bytes/);
    const rss = Number(/maxrss=(\d+)/.exec(String(r.stderr))?.[1]);
    assert.ok(rss < 400 * 1024, `pkg2os's peak memory was ${Math.round(rss / 1024)} MiB`);
  });

  it('a fork bomb stops at the process limit, and nothing of it survives', async () => {
    const result = await world.build('hostile-forks', ['--config', config, '--format', 'deb']);
    if (result.exitCode === 0) {
      const deb = join(result.out, 'deb', (await readdir(join(result.out, 'deb')))[0]!);
      assert.ok(Number(await readFile(join(await extract(deb), 'usr/lib/python3/dist-packages/hostile_forks/forks.txt'), 'utf8')) < 64);
    } else assert.equal(result.exitCode, 4, result.stderr);
    assert.deepEqual(await survivors('/bin/sleep 30'), []);
  });

  it('memory is limited for the whole build, not per process: three processes of 150 MiB under a 256 MiB limit are stopped (exit 4)', async () => {
    const support = await cgroupSupport();
    assert.ok(support.available || process.getuid?.() !== 0, `as root pkg2os makes a cgroup for each build: ${JSON.stringify(support)}`);
    const result = await world.build('hostile-memory', ['--config', config, '--format', 'deb']);
    if (!support.available) {
      // Not root: prlimit's per-process limits alone, which this build stays under (the README says so).
      assert.equal(result.exitCode, 0, result.stderr);
      return;
    }
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /used more than 256 MiB of memory in all its processes together/);
    const left = (await readdir(`/sys/fs/cgroup/${support.kind === 'v2' ? '' : 'memory/'}pkg2os`)).filter((n) => n.startsWith('run-') && !ownerAlive(n));
    assert.deepEqual(left, [], 'no cgroup outlives its pkg2os');
  });

  it('a file larger than the file-size limit cannot be written (the build fails, exit 4)', async () => {
    const result = await world.build('hostile-big-file', ['--config', config, '--format', 'deb']);
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(await readFile(join(result.out, 'logs', 'hostile-big-file-1.0.log'), 'utf8'), /File too large|EFBIG|Errno 27|killed by SIGXFSZ|exit/);
  });
});
