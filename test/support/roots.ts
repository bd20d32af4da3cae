/**
 * A Debian 13 build root for the tests, made by pkg2os itself (`pkg2os roots
 * update --target debian-13`, mmdebstrap from deb.debian.org) once and shared
 * by every test file of a run through a lock; kept for a week under the
 * system's temporary directory. Where the archive cannot be reached, tests
 * that need it are skipped and say why.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pkg2os } from './run-cli.js';

const DIR = join(tmpdir(), `pkg2os-test-roots-${process.getuid?.() ?? 0}`);
const MIRROR = 'http://deb.debian.org/debian';
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** Whether Debian's archive answers (the reason to skip when not). */
export async function debianArchiveUnreachable(suite = 'trixie'): Promise<string | false> {
  try {
    const response = await fetch(`${MIRROR}/dists/${suite}/InRelease`, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    return response.ok ? false : `${MIRROR} answered ${response.status} for ${suite}'s InRelease`;
  } catch (error) {
    return `${MIRROR} cannot be reached from this machine (${(error as Error).message}); a Debian 13 root cannot be made`;
  }
}

/** The path of a made Debian 13 root, or the reason there is none. */
export async function trixieRoot(): Promise<{ path: string } | { skip: string }> {
  const existing = await madeRoot();
  if (existing && Date.now() - (await stat(existing)).mtimeMs < WEEK_MS) return { path: existing };
  const unreachable = await debianArchiveUnreachable();
  if (unreachable) return { skip: unreachable };
  await withLock(async () => {
    const again = await madeRoot();
    if (again && Date.now() - (await stat(again)).mtimeMs < WEEK_MS) return;
    const result = await pkg2os(['roots', 'update', '--target', 'debian-13', '--cache-dir', DIR, '--config', '/dev/null']);
    if (result.exitCode !== 0) throw new Error(`pkg2os roots update --target debian-13 failed:\n${result.stderr}`);
  });
  const made = await madeRoot();
  if (!made) throw new Error(`pkg2os roots update made no root under ${DIR}`);
  return { path: made };
}

async function madeRoot(): Promise<string | undefined> {
  const base = join(DIR, 'roots', 'debian-13');
  for (const key of await readdir(base).catch(() => [] as string[])) {
    const current = join(base, key, 'current');
    if (existsSync(join(current, 'usr/bin/python3')) && existsSync(join(current, '.pkg2os-root'))) return current;
  }
  return undefined;
}

/** One maker at a time across test processes (a directory as the lock; a stale one is taken over after 15 minutes). */
async function withLock(body: () => Promise<void>): Promise<void> {
  await mkdir(DIR, { recursive: true });
  const lock = join(DIR, '.lock');
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const st = await stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 15 * 60 * 1000) await rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    await body();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
