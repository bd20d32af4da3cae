/**
 * HTTP for the index, as pip does it and a little stricter: every request is
 * retried on what is transient — a connection refused or reset, a body cut
 * short, 408, 429, 500, 502, 503, 504 — with exponential backoff and jitter
 * (Retry-After honoured up to a bound), a configured number of times, each
 * retry logged; a permanent failure ends with the last cause. Bodies are read
 * as streams with two clocks (the response must begin within the connect
 * timeout; no read may stall longer than the read timeout) and a size limit
 * counted on the decompressed bytes, so that a huge page, a gzip bomb or a
 * page served a byte a second costs bounded memory and time.
 */
import type { Logger } from '../../log.js';
import { IndexError, isPkg2osError } from '../../errors.js';
import { redactUrl } from '../../url-policy.js';

export interface HttpPolicy {
  /** How many times a transient failure is tried again (pip: 5). */
  retries: number;
  /** The response must begin within this (connect, TLS, headers). */
  connectTimeoutMs: number;
  /** No read of the body may wait longer than this. */
  readTimeoutMs: number;
  /** The first retry waits about this long; each one after twice as long (with jitter). */
  backoffMs: number;
  /** A Retry-After longer than this is not waited for: the failure stands. */
  maxRetryAfterMs: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = { retries: 5, connectTimeoutMs: 30_000, readTimeoutMs: 60_000, backoffMs: 500, maxRetryAfterMs: 60_000 };

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** A failure another try may not have: the status or error that says so. */
class Transient extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A body larger than the limit: not transient, not retried. */
export class TooLarge extends Error {
  constructor(readonly size: number) {
    super(`more than ${size} bytes`);
  }
}

export interface Received {
  response: Response;
  /** The body, for a response whose body was read (pages, small files). */
  body?: Buffer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export class Http {
  constructor(
    private readonly policy: HttpPolicy,
    private readonly logger: Logger,
  ) {}

  /**
   * GET `url` and hand the body, chunk by chunk, to `consume` (which may throw
   * TooLarge); retried whole on a transient failure. A status the caller
   * handles itself (404, 304, 401…) is returned with no body read.
   */
  async get(url: URL, headers: Record<string, string>, what: string, consume?: (chunk: Uint8Array) => void, reset?: () => void): Promise<Received> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(url, headers, consume);
      } catch (error) {
        if (!(error instanceof Transient) || attempt >= this.policy.retries) throw this.failure(error, url, what, attempt);
        const backoff = this.policy.backoffMs * 2 ** attempt;
        const wait = Math.min(error.retryAfterMs ?? backoff * (0.5 + Math.random()), this.policy.maxRetryAfterMs);
        if (error.retryAfterMs !== undefined && error.retryAfterMs > this.policy.maxRetryAfterMs) throw this.failure(error, url, what, attempt);
        this.logger.warn(`${what}: ${error.message}; trying again in ${(wait / 1000).toFixed(1)} s (retry ${attempt + 1} of ${this.policy.retries})`);
        reset?.();
        await sleep(wait);
      }
    }
  }

  private async once(url: URL, headers: Record<string, string>, consume?: (chunk: Uint8Array) => void): Promise<Received> {
    const controller = new AbortController();
    let timedOut: string | undefined;
    let timer = setTimeout(() => {
      timedOut = `no answer within ${this.policy.connectTimeoutMs / 1000} s`;
      controller.abort();
    }, this.policy.connectTimeoutMs);
    try {
      let response: Response;
      try {
        response = await fetch(url, { headers, redirect: 'follow', signal: controller.signal });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new Transient(timedOut ?? `could not reach ${redactUrl(url.href)} (${cause?.code ?? cause?.message ?? (error as Error).message})`);
      }
      clearTimeout(timer);
      if (TRANSIENT_STATUS.has(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        throw new Transient(`the server answered ${response.status} ${response.statusText}`, retryAfter(response));
      }
      if (!response.ok || !consume || !response.body) return { response };
      const rearm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = `nothing arrived for ${this.policy.readTimeoutMs / 1000} s`;
          controller.abort();
        }, this.policy.readTimeoutMs);
      };
      rearm();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          rearm();
          consume(chunk);
        }
      } catch (error) {
        // Refused by what takes the body (too large, no room to write it): no retry changes that.
        if (error instanceof TooLarge || isPkg2osError(error)) {
          controller.abort();
          throw error;
        }
        // A reset connection, a body shorter than its Content-Length, a stalled read.
        throw new Transient(timedOut ?? `the answer broke off (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`);
      }
      return { response };
    } finally {
      clearTimeout(timer);
    }
  }

  private failure(error: unknown, url: URL, what: string, attempt: number): unknown {
    if (!(error instanceof Transient)) return error;
    const tries = attempt + 1;
    return new IndexError(error.message.startsWith('the server answered') ? 'INDEX_HTTP' : 'INDEX_UNREACHABLE', `Could not read ${what} from ${redactUrl(url.href)}: ${error.message}${tries > 1 ? ` (after ${tries} tries)` : ''}.`, {
      hint: 'Check --index-url (or PKG2OS_INDEX_URL / PIP_INDEX_URL), the network and any proxy; --retries and index-limits in pkg2os.config.yaml set how long pkg2os keeps trying.',
    });
  }
}
