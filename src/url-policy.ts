/**
 * Which URLs pkg2os will fetch from: https anywhere; plain http only on the
 * loopback interface (tests, local mirrors) or when the user opts in.
 */
import { ConfigError, IndexError } from './errors.js';

/** True for hosts that never leave this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Parse and check an index or file URL; throws a clear error when it is not allowed. */
export function checkUrl(raw: string, allowInsecure: boolean, what = 'index URL'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('USAGE', `The ${what} "${raw}" is not a valid URL.`, { hint: 'Give a full URL such as https://pypi.org/simple/.' });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && (isLoopbackHost(url.hostname) || allowInsecure)) return url;
  const error = url.protocol === 'http:' ? ConfigError : IndexError;
  throw new error('INSECURE_INDEX', `The ${what} ${url.href} uses ${url.protocol.replace(':', '')}, which pkg2os does not trust: anyone on the network path could replace both a file and the hash that vouches for it.`, {
    hint: url.protocol === 'http:' ? 'Use https, or pass --allow-insecure-index if this network path is trusted (plain http is always allowed on 127.0.0.1/localhost).' : 'Only https (and http on loopback) URLs are supported.',
  });
}

/** The URL of a project's page below an index base URL (PEP 503: `<base>/<normalized>/`). */
export function projectUrl(indexUrl: URL, project: string): URL {
  const base = indexUrl.href.endsWith('/') ? indexUrl.href : `${indexUrl.href}/`;
  return new URL(`${encodeURIComponent(project)}/`, base);
}

/** Remove user:password from a URL before it goes into logs, reports or errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = '';
    }
    return u.href;
  } catch {
    return url;
  }
}
