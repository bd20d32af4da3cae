/**
 * A real PEP 503/691 index on 127.0.0.1 for tests and the demo. It serves
 * project pages as JSON or HTML by content negotiation (or only one of them),
 * and files from memory or disk. Tests mutate `projects` to tamper with it.
 */
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  filename: string;
  body: Buffer;
  /** Published sha256; defaults to the real one. `null` publishes none. */
  sha256?: string | null;
  requiresPython?: string;
  yanked?: boolean | string;
  /** A detached signature to serve at <file>.asc. */
  signature?: Buffer;
  /** A PEP 740 provenance object to serve at /integrity/<file>/provenance (a relative URL on the page). */
  provenance?: Buffer;
}

/**
 * A fault the server injects into one answer to a path (each request takes
 * the next one queued for its path; with none left it answers normally):
 * a status (with Retry-After), a connection reset before or during the body,
 * a body shorter than its Content-Length, a body dripped slowly, a huge body
 * streamed without end, a gzip bomb, or a body of the test's choice.
 */
export type Fault =
  | { status: number; retryAfter?: number }
  | { reset: 'before' | 'mid' }
  | { short: true }
  | { slow: number }
  | { huge: number }
  | { gzipBomb: number }
  | { body: string | Buffer; contentType?: string };

export interface IndexServerOptions {
  /** 'negotiate' (default) answers JSON to PEP 691 clients, else HTML. */
  mode?: 'negotiate' | 'json' | 'html';
}

export class IndexServer {
  readonly projects = new Map<string, ServedFile[]>();
  readonly requests: string[] = [];
  /** Faults to inject, by URL path, in order. */
  readonly faults = new Map<string, Fault[]>();
  /** Conditional requests answered 304. */
  notModified = 0;
  private server?: Server;
  port = 0;

  constructor(private readonly options: IndexServerOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/simple/`;
  }

  /** Add a file to a project (normalized name). */
  add(project: string, file: ServedFile): this {
    const files = this.projects.get(project) ?? [];
    files.push(file);
    this.projects.set(project, files);
    return this;
  }

  /** Add an sdist from disk. */
  addFromDisk(project: string, path: string, extra: Partial<ServedFile> = {}): this {
    return this.add(project, { filename: path.split('/').pop()!, body: readFileSync(path), ...extra });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requests.push(url.pathname);
      const fault = this.faults.get(url.pathname)?.shift();
      if (fault) return void inject(fault, res, () => this.real(url.pathname));
      const page = /^\/simple\/([^/]+)\/$/.exec(url.pathname);
      if (page) {
        const files = this.projects.get(decodeURIComponent(page[1]!));
        if (!files) {
          res.writeHead(404).end('not found');
          return;
        }
        const wantsJson = (req.headers.accept ?? '').includes('application/vnd.pypi.simple.v1+json');
        const json = this.options.mode === 'json' || (this.options.mode !== 'html' && wantsJson);
        // A validator that changes with the files, as a real index's ETag does.
        const etag = `"${sha256(Buffer.from(JSON.stringify([json, files.map((f) => [f.filename, f.sha256 ?? sha256(f.body), f.yanked ?? false, Boolean(f.signature), f.provenance ? sha256(f.provenance) : null])])))}"`;
        if (req.headers['if-none-match'] === etag) {
          this.notModified++;
          return void res.writeHead(304, { etag }).end();
        }
        if (json) {
          res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json', etag });
          res.end(JSON.stringify({
            meta: { 'api-version': '1.0' },
            name: page[1],
            files: files.map((f) => ({
              filename: f.filename,
              url: `../../files/${encodeURIComponent(f.filename)}`,
              hashes: f.sha256 === null ? {} : { sha256: f.sha256 ?? sha256(f.body) },
              ...(f.requiresPython ? { 'requires-python': f.requiresPython } : {}),
              ...(f.yanked ? { yanked: f.yanked } : {}),
              ...(f.signature ? { 'gpg-sig': true } : {}),
              ...(f.provenance ? { provenance: `../../integrity/${encodeURIComponent(f.filename)}/provenance` } : {}),
            })),
          }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag });
        const anchors = files.map((f) => {
          const hash = f.sha256 === null ? '' : `#sha256=${f.sha256 ?? sha256(f.body)}`;
          const attrs = [
            f.requiresPython ? ` data-requires-python="${escapeHtml(f.requiresPython)}"` : '',
            f.yanked ? ` data-yanked="${escapeHtml(typeof f.yanked === 'string' ? f.yanked : '')}"` : '',
            f.signature ? ' data-gpg-sig="true"' : '',
            f.provenance ? ` data-provenance="../../integrity/${encodeURIComponent(f.filename)}/provenance"` : '',
          ].join('');
          return `<a href="../../files/${encodeURIComponent(f.filename)}${hash}"${attrs}>${escapeHtml(f.filename)}</a><br/>`;
        });
        res.end(`<!DOCTYPE html>\n<html><body>\n${anchors.join('\n')}\n</body></html>\n`);
        return;
      }
      const integrity = /^\/integrity\/([^/]+)\/provenance$/.exec(url.pathname);
      if (integrity) {
        const name = decodeURIComponent(integrity[1]!);
        for (const files of this.projects.values()) for (const f of files) if (f.filename === name && f.provenance) return void res.writeHead(200, { 'content-type': 'application/json' }).end(f.provenance);
      }
      const file = /^\/files\/(.+)$/.exec(url.pathname);
      if (file) {
        const name = decodeURIComponent(file[1]!);
        for (const files of this.projects.values()) {
          for (const f of files) {
            if (f.filename === name) return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.body.length }).end(f.body);
            if (`${f.filename}.asc` === name && f.signature) return void res.writeHead(200, { 'content-type': 'application/pgp-signature' }).end(f.signature);
          }
        }
      }
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The normal body of a file path (for faults that cut it short). */
  private real(path: string): Buffer {
    const file = /^\/files\/(.+)$/.exec(path);
    for (const files of this.projects.values()) for (const f of files) if (file && f.filename === decodeURIComponent(file[1]!)) return f.body;
    return Buffer.from('<!DOCTYPE html><html><body></body></html>\n');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function inject(fault: Fault, res: import('node:http').ServerResponse, real: () => Buffer): void {
  if ('status' in fault) return void res.writeHead(fault.status, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}).end('fault');
  if ('reset' in fault) {
    if (fault.reset === 'before') return void res.socket?.destroy();
    const body = real();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.write(body.subarray(0, Math.floor(body.length / 2)));
    setTimeout(() => res.socket?.destroy(), 50);
    return;
  }
  if ('short' in fault) {
    const body = real();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length + 1000 });
    res.end(body);
    return;
  }
  if ('slow' in fault) {
    res.writeHead(200, { 'content-type': 'text/html' });
    const timer = setInterval(() => res.write('<'), 1000 / fault.slow);
    res.on('close', () => clearInterval(timer));
    return;
  }
  if ('huge' in fault) {
    res.writeHead(200, { 'content-type': 'text/html' });
    const chunk = Buffer.from(`<a href="../../files/x-1.0.tar.gz">x-1.0.tar.gz</a>${' '.repeat(65_000)}\n`);
    let sent = 0;
    const pump = () => {
      while (sent < fault.huge) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = fault.huge));
    pump();
    return;
  }
  if ('gzipBomb' in fault) {
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
    const gzip = createGzip({ level: 9 });
    gzip.pipe(res);
    const zeros = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < fault.gzipBomb) {
        sent += zeros.length;
        if (!gzip.write(zeros)) return void gzip.once('drain', pump);
      }
      gzip.end();
    };
    res.on('close', () => (sent = fault.gzipBomb));
    pump();
    return;
  }
  res.writeHead(200, { 'content-type': fault.contentType ?? 'text/html' }).end(fault.body);
}
