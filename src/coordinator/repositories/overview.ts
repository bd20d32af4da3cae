/**
 * The repository overview: `index.html` at the repository root and a page
 * per package file under `overview/`, written on every publish and served
 * with the repository. Per channel and target, what the signed indices list
 * (checked with gpgv, as clients check them), with each file's upstream
 * sdist, its verdicts (signature and signer, Trusted Publisher, lockfile),
 * when it was published and built from what; and each channel's snapshots.
 * Plain HTML and CSS, no scripts; every value escaped by Handlebars (and a
 * link only to an http(s) address), since nearly all of it is upstream's.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import PQueue from 'p-queue';
import { basename, dirname, join } from 'node:path';
import { sha256Hex } from '../../digest.js';
import { Templates } from '../../families/shared/templates.js';
import { recordPath } from '../publish/records-dir.js';
import { Snapshots } from '../publish/snapshots.js';
import type { RepositoryStorage } from '../publish/storage.js';
import type { ListedPackage } from '../publish/repository-kind.js';

type Check = { kind?: string; result?: string; detail?: Record<string, unknown> };

/** The fields of a build record the overview shows; read loosely (a record is the pipeline's, and may be older). */
interface RecordView {
  project?: string;
  upstreamVersion?: string;
  sdist?: { filename?: string; url?: string; sha256?: string };
  checks: Check[];
  recordedAt?: string;
  pkg2os?: string;
  requirements: Array<{ requirement?: string; project?: string; version?: string; source?: string; reason?: string }>;
  builtBy: Array<{ worker?: string; key?: string; host?: string }>;
  inputs?: string;
}

async function recordOf(root: string, listed: ListedPackage, present: (path: string) => Promise<boolean>): Promise<RecordView | undefined> {
  const path = recordPath(root, listed.target, basename(listed.file));
  const text = path && (await present(path)) ? await readFile(path, 'utf8').catch(() => undefined) : undefined;
  if (!text) return undefined;
  try {
    const r = JSON.parse(text);
    return {
      project: r.upstream?.project,
      upstreamVersion: r.upstream?.version,
      sdist: r.upstream?.sdist,
      checks: Array.isArray(r.upstream?.verification?.checks) ? r.upstream.verification.checks : [],
      recordedAt: r.recordedAt,
      pkg2os: r.pkg2os,
      requirements: Array.isArray(r.upstream?.build?.requirements) ? r.upstream.build.requirements : [],
      builtBy: Array.isArray(r.upstream?.builtBy) ? r.upstream.builtBy : [],
      inputs: r.file?.inputs,
    };
  } catch {
    return undefined;
  }
}

/** One verdict as a line: what was checked and by whom. */
function verdict(check: Check): string {
  const d = check.detail ?? {};
  switch (check.kind) {
    case 'hash':
      return `sha256 ${String(d.sha256 ?? d.expected ?? '')}`;
    case 'signature':
      return check.result === 'pass' ? `signed by ${d.userId ? `${String(d.userId)} ` : ''}${String(d.signer ?? '?')}` : `signature: ${String(check.result ?? '?')}${d.reason ? ` (${String(d.reason)})` : ''}`;
    case 'provenance':
      return check.result === 'pass' ? `attested by ${String(d.publisher ?? '?')}${d.commit ? ` at commit ${String(d.commit)}` : ''}` : `provenance: ${String(check.result ?? '?')}${d.reason ? ` (${String(d.reason)})` : ''}`;
    case 'lockfile':
      return `lockfile: ${String(d.status ?? check.result ?? '?')}`;
    default:
      return `${String(check.kind ?? '?')}: ${String(check.result ?? '?')}`;
  }
}

const httpUrl = (url: unknown) => (typeof url === 'string' && /^https?:\/\/[^\s"'<>]+$/.test(url) ? url : undefined);
const PAGE = /^overview\/(?!\.\.?\/)[^/]+\/[^/]+\.html$/;
const pageName = (listed: ListedPackage) => `overview/${encodeURIComponent(listed.target)}/${encodeURIComponent(basename(listed.file))}.html`;

/** What pages the overview wrote last (page → sha256 of what it was made of): a page that would not change is not written again. */
const MANIFEST = '.pkg2os/overview.json';

async function writtenBefore(storage: RepositoryStorage): Promise<Record<string, string> | undefined> {
  try {
    const parsed = JSON.parse((await storage.readFile(MANIFEST))?.toString('utf8') ?? 'null');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/** Write index.html and the page of every listed file (`listed`: what the signed indices list now). */
export async function writeOverview(storage: RepositoryStorage, listed: readonly ListedPackage[], fingerprint: string, templatesDir?: string): Promise<void> {
  const root = storage.localPath('.');
  const snapshots = await new Snapshots(root).list();
  const templates = new Templates(templatesDir);
  const pages = new Map<string, { listed: ListedPackage; channels: Set<string>; record?: RecordView }>();
  for (const l of listed) {
    const page = pageName(l);
    const known = pages.get(page);
    if (known) known.channels.add(l.channel);
    else pages.set(page, { listed: l, channels: new Set([l.channel]) });
  }
  // Thousands of small reads and writes: many at a time.
  const queue = new PQueue({ concurrency: 32 });
  // What is there, a directory listing at a time (most files were published without a record, or with one long ago).
  const listings = new Map<string, Promise<Set<string>>>();
  const present = async (path: string) => {
    const dir = dirname(path);
    if (!listings.has(dir)) listings.set(dir, readdir(dir).then((names) => new Set(names), () => new Set<string>()));
    return (await listings.get(dir)!).has(basename(path));
  };
  await queue.addAll([...pages.values()].map((p) => async () => void (p.record = await recordOf(root, p.listed, present))));
  const groups = new Map<string, ListedPackage[]>();
  for (const l of listed) {
    const key = `${l.channel}\u0000${l.target}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(l);
  }
  const channels = [...new Set(listed.map((l) => l.channel).concat(snapshots.map((s) => s.channel)))].sort();
  const view = {
    fingerprint,
    generated: new Date().toISOString(),
    channels: channels.map((channel) => ({
      channel,
      targets: [...groups].filter(([key]) => key.startsWith(`${channel}\u0000`)).map(([key, items]) => ({
        target: key.split('\u0000')[1]!,
        packages: items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((l) => {
          const record = pages.get(pageName(l))?.record;
          return { name: l.name, version: l.version, arch: l.arch, page: pageName(l), sdist: record?.sdist?.filename ?? '—', verdicts: record ? record.checks.filter((c) => c.kind !== 'hash').map(verdict).join('; ') || '—' : 'no build record', published: record?.recordedAt ?? '—' };
        }),
      })),
      snapshots: snapshots.filter((s) => s.channel === channel).reverse().map((s) => ({ id: s.id, time: s.time, op: s.via.op, from: s.via.from ?? '', to: s.via.snapshot ?? '', files: s.files.length, added: s.changes.added.length, removed: s.changes.removed.length })),
    })),
  };
  // Pages of files no index lists any more go; a page whose text would not change stays as it is.
  const before = await writtenBefore(storage);
  if (!before) await rm(join(root, 'overview'), { recursive: true, force: true });
  const written: Record<string, string> = {};
  const template = sha256Hex(await readFile(templates.file('overview', 'package')));
  const writes: Array<() => Promise<void>> = [];
  for (const [page, { listed: l, channels: inChannels, record }] of pages) {
    const data = {
      name: l.name,
      version: l.version,
      arch: l.arch,
      target: l.target,
      channels: [...inChannels].sort().join(', '),
      file: l.file,
      fileLink: `../../${l.file.split('/').map(encodeURIComponent).join('/')}`,
      sha256: l.sha256,
      index: l.index,
      note: l.note ?? '',
      fingerprint,
      record: record
        ? {
            project: record.project ?? '?',
            upstreamVersion: record.upstreamVersion ?? '?',
            sdist: record.sdist?.filename ?? '?',
            sdistUrl: httpUrl(record.sdist?.url) ?? '',
            sdistSha256: record.sdist?.sha256 ?? '?',
            verdicts: record.checks.map(verdict),
            recordedAt: record.recordedAt ?? '?',
            pkg2os: record.pkg2os ?? '?',
            inputs: record.inputs ?? '?',
            requirements: record.requirements.map((r) => ({ requirement: r.requirement ?? '', project: r.project ?? '', version: r.version ?? '', source: r.source ?? '', reason: r.reason ?? '' })),
            builtBy: record.builtBy.map((b) => `${b.worker ?? '?'} (key ${b.key ?? '?'}, at ${b.host ?? '?'})`),
          }
        : false,
    };
    // What a page is made of (its data and the template): one that would come out the same is not rendered again.
    written[page] = sha256Hex(`${template}\u0000${JSON.stringify(data)}`);
    const same = before?.[page] === written[page];
    writes.push(async () => {
      if (same && (await present(join(root, page)))) return;
      await storage.writeAtomic(page, templates.renderHtml('overview', 'package', data));
    });
  }
  await queue.addAll(writes);
  // Only a page's own path is removed, whatever the manifest says.
  for (const page of Object.keys(before ?? {})) if (!Object.hasOwn(written, page) && PAGE.test(page)) await rm(join(root, page), { force: true });
  await storage.writeAtomic(MANIFEST, `${JSON.stringify(written)}\n`);
  await storage.writeAtomic('index.html', templates.renderHtml('overview', 'index', view));
}
