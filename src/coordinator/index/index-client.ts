/**
 * `IndexClient`: reads project pages and raw files from a PEP 503/691 index.
 * It only fetches bytes (retried, bounded in size and time: http.ts);
 * trusting them is the verify stage's job. Signatures and provenance are
 * fetched only from the index's own origin or their file's.
 */
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { type ContentCache, cacheKey } from '../cache/content-cache.js';
import { IndexError, IntegrityError } from '../../errors.js';
import { isStorageFailure, storageError } from '../../storage-errors.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { IndexFile, ProjectPage } from '../../pep/index.types.js';
import { parsePep503, parsePep691 } from './parse-project-page.js';
import { checkUrl, projectUrl, redactUrl } from '../../url-policy.js';
import { DEFAULT_HTTP_POLICY, Http, type HttpPolicy, TooLarge } from './http.js';

const PEP691_JSON = 'application/vnd.pypi.simple.v1+json';
/** PEP 691 content negotiation: JSON preferred, HTML accepted. */
const ACCEPT = `${PEP691_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01`;

/** The largest project page pkg2os reads (decompressed), unless configured: PyPI's largest are a few MiB. */
export const DEFAULT_MAX_PAGE_BYTES = 32 * 1024 * 1024;

export interface IndexClientOptions {
  indexUrl: string;
  allowInsecure?: boolean;
  logger?: Logger;
  /** Largest file `download()` accepts, in bytes. */
  maxDownloadBytes?: number;
  /** Largest project page, decompressed, in bytes. */
  maxPageBytes?: number;
  /** Retries and timeouts. */
  http?: Partial<HttpPolicy>;
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

/** Collects a body up to `limit` bytes (TooLarge beyond), for pages and small files. */
function collector(limit: number): { consume(chunk: Uint8Array): void; reset(): void; body(): Buffer } {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    consume(chunk) {
      size += chunk.length;
      if (size > limit) throw new TooLarge(limit);
      chunks.push(Buffer.from(chunk));
    },
    reset() {
      chunks = [];
      size = 0;
    },
    body: () => Buffer.concat(chunks),
  };
}

export class IndexClient {
  readonly indexUrl: URL;
  private readonly allowInsecure: boolean;
  private readonly logger: Logger;
  private readonly maxDownloadBytes: number;
  private readonly maxPageBytes: number;
  private readonly http: Http;
  private readonly cache?: ContentCache;
  /** Pages answered "304 Not Modified" and served from the cache. */
  notModified = 0;

  constructor(options: IndexClientOptions) {
    this.cache = options.cache;
    this.allowInsecure = options.allowInsecure ?? false;
    this.indexUrl = checkUrl(options.indexUrl, this.allowInsecure);
    this.logger = options.logger ?? silentLogger;
    this.maxDownloadBytes = options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    this.maxPageBytes = options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
    this.http = new Http({ ...DEFAULT_HTTP_POLICY, ...options.http }, this.logger);
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
    const what = `the index page of "${project}"`;
    const page = collector(this.maxPageBytes);
    const { response } = await this.get(url, headers, what, page).catch((error: unknown) => {
      if (error instanceof TooLarge) {
        throw new IndexError('INDEX_MALFORMED', `${what} (${redactUrl(url.href)}) is larger than ${Math.round(this.maxPageBytes / 2 ** 20)} MiB (decompressed); pkg2os stopped reading it.`, {
          hint: 'An index page lists the files of one project: this one is not a page pkg2os will parse. Check --index-url; raise index-limits: {max-page-mib: N} in pkg2os.config.yaml if the index really serves such pages.',
        });
      }
      throw error;
    });
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
    const body = page.body().toString('utf8');
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const parsed = this.parsePage(project, finalUrl, type, body);
    const etag = response.headers.get('etag') ?? undefined;
    const lastModified = response.headers.get('last-modified') ?? undefined;
    if (this.cache && (etag || lastModified)) {
      await this.cache.put<CachedPage>('index', key, { etag, lastModified, contentType: type, url: finalUrl }, [{ name: 'page', data: Buffer.from(body) }]);
    }
    return parsed;
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
    const algorithms = [...new Set(['sha256', ...Object.keys(file.hashes)])];
    const limit = this.maxDownloadBytes;
    let hashers = algorithms.map((alg) => [alg, createHash(alg)] as const);
    let size = 0;
    // Written synchronously as it arrives: nothing piles up in memory however slow the disk.
    const fd = openSync(dest, 'w', 0o600);
    try {
      const { response } = await this.get(url, {}, file.filename, {
        consume(chunk) {
          size += chunk.length;
          if (size > limit) throw new TooLarge(limit);
          for (const [, h] of hashers) h.update(chunk);
          // At its own offset: a retry starts the file again from 0, and what is hashed is exactly what is on disk.
          try {
            writeSync(fd, chunk, 0, chunk.length, size - chunk.length);
          } catch (error) {
            throw isStorageFailure(error) ? storageError(error, `the download of ${file.filename}`, dest) : error;
          }
        },
        reset() {
          ftruncateSync(fd, 0);
          size = 0;
          hashers = algorithms.map((alg) => [alg, createHash(alg)] as const);
        },
      });
      if (!response.ok) throw this.httpError(response, file.filename);
    } catch (error) {
      closeSync(fd);
      await rm(dest, { force: true });
      if (error instanceof TooLarge) throw tooLarge(file.filename, size, limit);
      throw error;
    }
    closeSync(fd);
    this.logger.debug(`downloaded ${file.filename} (${size} bytes)`);
    return { path: dest, size, digests: Object.fromEntries(hashers.map(([alg, h]) => [alg, h.digest('hex')])) };
  }

  /**
   * Fetch a small auxiliary file (a signature, a provenance object) into
   * memory, or undefined on 404. It is fetched only from the index's own
   * origin or from that of the file it belongs to (`of`): a page pointing it
   * elsewhere is refused, never read (another host's 404 would pass for "none").
   */
  async fetchSmall(urlText: string, what: string, maxBytes = 1024 * 1024, of?: string): Promise<Buffer | undefined> {
    const url = checkUrl(urlText, this.allowInsecure, 'file URL');
    const origins = new Set([this.indexUrl.origin, ...(of ? [new URL(of).origin] : [])]);
    if (!origins.has(url.origin)) {
      throw new IndexError('INDEX_MALFORMED', `The index points ${what} at ${redactUrl(url.href)}, another origin than the index's and its file's (${[...origins].join(', ')}); pkg2os reads it from nowhere else.`, {
        hint: 'A genuine index serves signatures and provenance beside its files. Check --index-url, or ask the index\'s operators.',
      });
    }
    const small = collector(maxBytes);
    const { response } = await this.get(url, {}, what, small).catch((error: unknown) => {
      if (error instanceof TooLarge) throw tooLarge(what, maxBytes + 1, maxBytes);
      throw error;
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw this.httpError(response, what);
    return small.body();
  }

  private async get(url: URL, headers: Record<string, string>, what: string, sink?: { consume(chunk: Uint8Array): void; reset(): void }) {
    // fetch() refuses URLs with credentials: move them into an Authorization header.
    const target = new URL(url.href);
    const requestHeaders: Record<string, string> = { 'user-agent': 'pkg2os', ...headers };
    if (target.username || target.password) {
      requestHeaders.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    return this.http.get(target, requestHeaders, what, sink?.consume, sink?.reset);
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
