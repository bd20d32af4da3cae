/** A static file server on 127.0.0.1, for the corpus's PEP 503 index as it lies on disk. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export class StaticServer {
  private server?: Server;
  port = 0;
  /** Bodies served instead of the files at these URL paths (e.g. a stale InRelease). */
  readonly overrides = new Map<string, Buffer>();
  readonly requests: string[] = [];
  constructor(private readonly root: string) {}

  url(path = ''): string {
    return `http://127.0.0.1:${this.port}/${path}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      this.requests.push(urlPath);
      const override = this.overrides.get(urlPath);
      if (override) return void res.writeHead(200, { 'content-length': override.length }).end(override);
      const path = normalize(urlPath).replace(/^(\.\.[/\\])+/, '');
      let file = join(this.root, path);
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!file.startsWith(this.root) || !existsSync(file)) return void res.writeHead(404).end('not found');
      const type = file.endsWith('.html') ? 'text/html' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': statSync(file).size });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
