/**
 * `make demo`: the main job end to end on the built-in example.
 * examples/pkg2os-hello → sdist → index on 127.0.0.1 → pkg2os build →
 * .deb and .rpm → signed apt and yum repositories served on 127.0.0.1 →
 * apt-get installs the package from the signed repository → its module is
 * imported and its command runs.
 */
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shipped } from '../src/paths.js';
import { IndexServer } from '../test/support/index-server.js';
import { StaticServer } from '../test/support/static-server.js';

const step = (text: string) => process.stdout.write(`\n==> ${text}\n`);
const sh = (cmd: string, args: string[], env: Record<string, string> = {}) => execa(cmd, args, { stdio: 'inherit', env });
const pkg2os = shipped('bin', 'pkg2os');

async function main(): Promise<void> {
  const demo = process.argv[2] ?? shipped('demo-out');
  await rm(demo, { recursive: true, force: true });
  const [out, repo, key] = [join(demo, 'out'), join(demo, 'repo'), join(demo, 'key')];
  await mkdir(repo, { recursive: true });

  step('Building the example sdist (examples/pkg2os-hello)');
  const dist = await mkdtemp(join(tmpdir(), 'pkg2os-demo-'));
  const source = join(dist, 'source');
  await cp(shipped('examples', 'pkg2os-hello'), source, { recursive: true });
  await execa('/usr/bin/python3', ['-m', 'build', '--sdist', '--no-isolation', '--outdir', dist, source]);
  const sdist = (await readdir(dist)).find((f) => f.endsWith('.tar.gz'))!;

  const index = await new IndexServer().start();
  index.addFromDisk('pkg2os-hello', join(dist, sdist));
  const repoServer = await new StaticServer(repo).start();
  const baseUrl = repoServer.url().replace(/\/$/, '');
  try {
    step(`Serving the sdist from a PEP 691/503 index at ${index.url}`);
    step('pkg2os keys generate: the organization\'s signing key (RSA-4096, expires in 2 years)');
    await sh(pkg2os, ['keys', 'generate', '--name', 'pkg2os demo', '--email', 'demo@example.org', '--out', key]);

    // EL9's root cannot be made without its repositories' key: its pure Python is built with this host's Python, as asked.
    step(`pkg2os build pkg2os-hello --target debian-12,el9 --host-python el9 --repo ${repo}: verify, build, package, sign and publish`);
    await sh(pkg2os, ['build', 'pkg2os-hello', '--target', 'debian-12,el9', '--host-python', 'el9', '--index-url', index.url, '--out', out, '--lockfile', join(demo, 'pkg2os.lock'), '--repo', repo, '--base-url', baseUrl, '--maintainer', 'pkg2os demo <demo@example.org>'], { PKG2OS_SIGNING_KEY: join(key, 'private.asc') });

    const deb = (await readdir(join(out, 'deb')))[0]!;
    step(`The .deb: ${join(out, 'deb', deb)}`);
    await sh('dpkg-deb', ['--info', join(out, 'deb', deb)]);
    step('The signed .rpm for EL9, checked by rpm with only the published key');
    const rpmdb = await mkdtemp(join(tmpdir(), 'pkg2os-demo-rpmdb-'));
    await sh('rpmkeys', ['--dbpath', rpmdb, '--import', join(repo, 'KEY.asc')]);
    const rpm = (await readdir(join(repo, 'rpm', 'el9', 'Packages')))[0]!;
    await sh('rpmkeys', ['--dbpath', rpmdb, '-Kv', join(repo, 'rpm', 'el9', 'Packages', rpm)]);
    step('The apt repository\'s InRelease, checked by gpgv with only the published key');
    await sh('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(repo, 'deb/dists/bookworm/InRelease')]);

    step(`Installing python3-pkg2os-hello with apt-get from the signed repository at ${baseUrl}`);
    // A source list of its own (Signed-By the published key), so /etc/apt is left as it is.
    const apt = await mkdtemp(join(tmpdir(), 'pkg2os-demo-apt-'));
    await chmod(apt, 0o755); // apt downloads as the unprivileged _apt user
    await mkdir(join(apt, 'lists/partial'), { recursive: true });
    await mkdir(join(apt, 'parts'));
    await writeFile(join(apt, 'pkg2os.list'), `deb [signed-by=${join(repo, 'KEY.asc')}] ${baseUrl}/deb bookworm main\n`);
    const aptOptions = ['-o', `Dir::Etc::SourceList=${join(apt, 'pkg2os.list')}`, '-o', `Dir::Etc::SourceParts=${join(apt, 'parts')}`, '-o', `Dir::State::Lists=${join(apt, 'lists')}`];
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    const aptGet = (...args: string[]) => (sudo.length ? sh('sudo', ['apt-get', ...aptOptions, ...args]) : sh('apt-get', [...aptOptions, ...args]));
    await aptGet('update');
    await aptGet('install', '-y', '--reinstall', 'python3-pkg2os-hello');
  } finally {
    await index.stop();
    await repoServer.stop();
  }
  step('Importing the module with the system Python, and running its command');
  await sh('/usr/bin/python3', ['-c', 'import pkg2os_hello; print(pkg2os_hello.__file__); print(pkg2os_hello.greeting())']);
  await sh('/usr/bin/pkg2os-hello', []);
  step(`Done. Everything is in ${demo}. Remove the example with: ${sudo().join(' ')}apt-get remove -y python3-pkg2os-hello`);
}

function sudo(): string[] {
  return process.getuid?.() === 0 ? [] : ['sudo '];
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});
