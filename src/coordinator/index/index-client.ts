/**
 * `IndexClient`: reads project pages and raw files from a PEP 503/691 index.
 * It only fetches bytes; trusting them is the verify stage's job.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IndexError, IntegrityError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { IndexFile, ProjectPage } from '../../pep/index.types.js';
import { parsePep503, parsePep691 } from './parse-project-page.js';
import { checkUrl, projectUrl, redactUrl } from '../../url-policy.js';

const PEP691_JSON = 'application/vnd.pypi.simple.v1+json';
/** PEP 691 content negotiation: JSON preferred, HTML accepted. */
const ACCEPT = `${PEP691_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01`;

export interface IndexClientOptions {
  indexUrl: string;
  allowInsecure?: boolean;
  logger?: Logger;
  /** Largest file `download()` accepts, in bytes. */
  maxDownloadBytes?: number;
  timeoutMs?: number;
  /** Keep project pages with their validators (ETag / Last-Modified) and ask the index only whether they changed. */
  cache?: ContentCache;
}

interface CachedPage {
  etag?: string;
  lastModified?: string;
  contentType: string;
  url: string;
}

/** A file on disk with the digests computed while it streamed there. */
export interface DownloadedFile {
  path: string;
  size: number;
  /** Hex digests by algorithm: always sha256, plus any other the index published. */
  digests: Record<string, string>;
}

import { DEFAULT_MAX_DOWNLOAD_BYTES } from '../../config/defaults.js';

export { DEFAULT_MAX_DOWNLOAD_BYTES };

export class IndexClient {
  readonly indexUrl: URL;
  private readonly allowInsecure: boolean;
  private readonly logger: Logger;
  private readonly maxDownloadBytes: number;
  private readonly timeoutMs: number;
  private readonly cache?: ContentCache;
  /** Pages answered "304 Not Modified" and served from the cache. */
  notModified = 0;

  constructor(options: IndexClientOptions) {
    this.cache = options.cache;
    this.allowInsecure = options.allowInsecure ?? false;
    this.indexUrl = checkUrl(options.indexUrl, this.allowInsecure);
    this.logger = options.logger ?? silentLogger;
    this.maxDownloadBytes = options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Read the project page, preferring PEP 691 JSON, falling back to PEP 503 HTML. */
  async projectPage(project: string): Promise<ProjectPage> {
    const url = projectUrl(this.indexUrl, project);
    // A conditional request when a validated copy is cached (RFC 9110 §13): an unchanged index costs one request and no body.
    const key = cacheKey({ kind: 'index-page', url: url.href, accept: ACCEPT });
    const cached = this.cache ? await this.cache.get<CachedPage>('index', key) : undefined;
    const headers: Record<string, string> = { accept: ACCEPT };
    if (cached?.meta.etag) headers['if-none-match'] = cached.meta.etag;
    if (cached?.meta.lastModified) headers['if-modified-since'] = cached.meta.lastModified;
    const response = await this.get(url, headers, `the index page of "${project}"`);
    if (response.status === 304 && cached) {
      this.notModified++;
      const body = await readFile(cached.files.get('page')!, 'utf8');
      return this.parsePage(project, cached.meta.url, cached.meta.contentType, body);
    }
    if (response.status === 404) {
      throw new IndexError('PROJECT_NOT_FOUND', `The index ${redactUrl(this.indexUrl.href)} has no project "${project}".`, {
        hint: 'Check the spelling, and that --index-url points at the index that carries it.',
      });
    }
    if (!response.ok) throw this.httpError(response, `the index page of "${project}"`);
    const finalUrl = checkUrl(response.url || url.href, this.allowInsecure, 'redirected index URL').href;
    const body = await response.text();
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const page = this.parsePage(project, finalUrl, type, body);
    const etag = response.headers.get('etag') ?? undefined;
    const lastModified = response.headers.get('last-modified') ?? undefined;
    if (this.cache && (etag || lastModified)) {
      await this.cache.put<CachedPage>('index', key, { etag, lastModified, contentType: type, url: finalUrl }, [{ name: 'page', data: Buffer.from(body) }]);
    }
    return page;
  }

  private parsePage(project: string, url: string, type: string, body: string): ProjectPage {
    if (type === PEP691_JSON) return { project, url, format: 'pep691-json', files: parsePep691(body, url) };
    return { project, url, format: 'pep503-html', files: parsePep503(body, url) };
  }

  /**
   * Stream `file` to `dest`, hashing as it goes; never buffers the whole file.
   * The caller must check the digests before anything opens the file.
   */
  async download(file: IndexFile, dest: string): Promise<DownloadedFile> {
    const url = checkUrl(file.url, this.allowInsecure, 'file URL');
    const response = await this.get(url, {}, file.filename);
    if (!response.ok || !response.body) throw this.httpError(response, file.filename);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > this.maxDownloadBytes) throw tooLarge(file.filename, declared, this.maxDownloadBytes);
    const algorithms = new Set(['sha256', ...Object.keys(file.hashes)]);
    const hashers = [...algorithms].map((alg) => [alg, createHash(alg)] as const);
    let size = 0;
    const limit = this.maxDownloadBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > limit) return callback(tooLarge(file.filename, size, limit));
        for (const [, h] of hashers) h.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, createWriteStream(dest, { mode: 0o600 }));
    } catch (error) {
      await rm(dest, { force: true });
      if (error instanceof IntegrityError) throw error;
      throw new IndexError('INDEX_UNREACHABLE', `Downloading ${file.filename} from ${redactUrl(url.href)} failed: ${(error as Error).message}.`, { cause: error });
    }
    this.logger.debug(`downloaded ${file.filename} (${size} bytes)`);
    return { path: dest, size, digests: Object.fromEntries(hashers.map(([alg, h]) => [alg, h.digest('hex')])) };
  }

  /** Fetch a small auxiliary file (e.g. a signature) into memory, or undefined on 404. */
  async fetchSmall(urlText: string, what: string, maxBytes = 1024 * 1024): Promise<Buffer | undefined> {
    const url = checkUrl(urlText, this.allowInsecure, 'file URL');
    const response = await this.get(url, {}, what);
    if (response.status === 404) return undefined;
    if (!response.ok) throw this.httpError(response, what);
    // Read no more than the limit, whatever Content-Length says (or does not say).
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw tooLarge(what, size, maxBytes);
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  private async get(url: URL, headers: Record<string, string>, what: string): Promise<Response> {
    // fetch() refuses URLs with credentials: move them into an Authorization header.
    const target = new URL(url.href);
    const requestHeaders: Record<string, string> = { 'user-agent': 'pkg2os', ...headers };
    if (target.username || target.password) {
      requestHeaders.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    try {
      return await fetch(target, { headers: requestHeaders, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new IndexError('INDEX_UNREACHABLE', `Could not reach ${redactUrl(url.href)} for ${what}: ${cause?.code ?? cause?.message ?? (error as Error).message}.`, {
        hint: 'Check --index-url (or PKG2OS_INDEX_URL / PIP_INDEX_URL), the network, and any proxy settings.',
        cause: error,
      });
    }
  }

  private httpError(response: Response, what: string): IndexError {
    return new IndexError('INDEX_HTTP', `The index answered ${response.status} ${response.statusText} for ${what} (${redactUrl(response.url)}).`, {
      hint: response.status === 401 || response.status === 403 ? 'The index wants credentials: put them in --index-url as https://user:token@host/simple/.' : 'Try again later, or check the index.',
    });
  }
}

function tooLarge(what: string, size: number, limit: number): IntegrityError {
  return new IntegrityError('ARCHIVE_TOO_LARGE', `${what} is larger (${size} bytes) than pkg2os accepts (${limit} bytes); it was not kept.`, {
    hint: 'If this is expected, raise the limit with --max-download-size.',
  });
}
