/**
 * `make demo`: the main job end to end on the built-in example.
 * examples/pkg2os-hello → sdist → index on 127.0.0.1 → pkg2os build →
 * .deb and .rpm → the .deb installed with apt-get → its module imported.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shipped } from '../src/paths.js';
import { IndexServer } from '../test/support/index-server.js';

const step = (text: string) => process.stdout.write(`\n==> ${text}\n`);
const sh = (cmd: string, args: string[]) => execa(cmd, args, { stdio: 'inherit' });

async function main(): Promise<void> {
  const out = process.argv[2] ?? shipped('demo-out');
  await rm(out, { recursive: true, force: true });
  const dist = await mkdtemp(join(tmpdir(), 'pkg2os-demo-'));
  step('Building the example sdist (examples/pkg2os-hello)');
  // Build from a copy, so that the example folder stays clean.
  const source = join(dist, 'source');
  await cp(shipped('examples', 'pkg2os-hello'), source, { recursive: true });
  await execa('/usr/bin/python3', ['-m', 'build', '--sdist', '--no-isolation', '--outdir', dist, source], { env: { SOURCE_DATE_EPOCH: '1767225600' } });
  const sdist = (await readdir(dist)).find((f) => f.endsWith('.tar.gz'))!;
  const server = await new IndexServer().start();
  server.addFromDisk('pkg2os-hello', join(dist, sdist));
  try {
    step(`Serving it from a PEP 691/503 index at ${server.url}`);
    step('pkg2os build pkg2os-hello');
    await sh(shipped('bin', 'pkg2os'), ['build', 'pkg2os-hello', '--index-url', server.url, '--out', out, '--lockfile', join(out, 'pkg2os.lock')]);
  } finally {
    await server.stop();
  }
  const deb = (await readdir(join(out, 'deb'))).find((f) => f.startsWith('python3-pkg2os-hello_'))!;
  const rpm = (await readdir(join(out, 'rpm'))).find((f) => f.startsWith('python3-pkg2os-hello-'))!;
  step(`The .deb: ${join(out, 'deb', deb)}`);
  await sh('dpkg-deb', ['--info', join(out, 'deb', deb)]);
  step(`The .rpm: ${join(out, 'rpm', rpm)}`);
  await sh('rpm', ['-qp', '--info', '--requires', '--provides', join(out, 'rpm', rpm)]);
  step('Installing the .deb with apt-get');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const aptGet = async (...args: string[]) => (sudo.length ? sh('sudo', ['apt-get', ...args]) : sh('apt-get', args));
  await aptGet('install', '-y', '--reinstall', join(out, 'deb', deb));
  step('Importing the module with the system Python, and running its command');
  await sh('/usr/bin/python3', ['-c', 'import pkg2os_hello; print(pkg2os_hello.__file__); print(pkg2os_hello.greeting())']);
  await sh('/usr/bin/pkg2os-hello', []);
  step(`Done. Remove the example with: ${sudo.join(' ')}${sudo.length ? ' ' : ''}apt-get remove -y python3-pkg2os-hello`);
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});
