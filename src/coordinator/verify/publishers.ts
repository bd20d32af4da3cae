/**
 * Trusted Publishers as pkg2os pins them, one line each:
 *   github:OWNER/REPO:WORKFLOW.yml        (GitHub Actions)
 *   gitlab:NAMESPACE/PROJECT:PATH.yml     (GitLab CI/CD)
 *   google:SERVICE-ACCOUNT-EMAIL          (Google Cloud)
 * and how a Fulcio certificate's identity matches one: the OIDC issuer, the
 * source repository and the workflow that ran (Build Config URI, which names
 * the calling workflow also when a reusable one signs), as PyPI's own
 * verification does. Repository names compare case-insensitively, as the
 * forges treat them; workflow paths exactly.
 */
import { ConfigError } from '../../errors.js';
import type { CertificateIdentity } from './sigstore-verify.js';

export type Publisher = { kind: 'github' | 'gitlab'; repository: string; workflow: string } | { kind: 'google'; email: string };

const ISSUERS = { github: 'https://token.actions.githubusercontent.com', gitlab: 'https://gitlab.com', google: 'https://accounts.google.com' } as const;
const HOSTS = { github: 'https://github.com', gitlab: 'https://gitlab.com' } as const;
const REPOSITORY = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

/** Parse a publisher spec; a malformed one is a usage error that shows the forms. */
export function parsePublisher(spec: string): Publisher {
  const usage = () =>
    new ConfigError('USAGE', `"${spec}" is not a Trusted Publisher pkg2os knows.`, {
      hint: 'Give one of github:OWNER/REPO:WORKFLOW.yml, gitlab:NAMESPACE/PROJECT:PATH/TO/.gitlab-ci.yml or google:SERVICE-ACCOUNT-EMAIL (as PyPI shows the project\'s publisher).',
    });
  const [kind, ...rest] = spec.split(':');
  const body = rest.join(':');
  if (kind === 'google') {
    if (!/^[^@\s]+@[^@\s]+$/.test(body)) throw usage();
    return { kind, email: body };
  }
  if (kind !== 'github' && kind !== 'gitlab') throw usage();
  const split = body.indexOf(':');
  const [repository, workflow] = split < 0 ? [body, ''] : [body.slice(0, split), body.slice(split + 1)];
  if (!REPOSITORY.test(repository) || (kind === 'github' && repository.split('/').length !== 2) || !/^[^\s:@]+\.ya?ml$/.test(workflow) || (kind === 'github' && workflow.includes('/'))) throw usage();
  return { kind, repository, workflow };
}

export function formatPublisher(p: Publisher): string {
  return p.kind === 'google' ? `google:${p.email}` : `${p.kind}:${p.repository}:${p.workflow}`;
}

/** The publisher a certificate identity names (for messages and the lockfile), or undefined when it is none pkg2os knows. */
export function publisherOf(identity: CertificateIdentity): Publisher | undefined {
  for (const kind of ['github', 'gitlab'] as const) {
    if (identity.issuer !== ISSUERS[kind]) continue;
    const repository = identity.sourceRepository?.startsWith(`${HOSTS[kind]}/`) ? identity.sourceRepository.slice(HOSTS[kind].length + 1) : undefined;
    const config = identity.buildConfig ?? identity.subjectAlternativeName;
    const prefix = kind === 'github' ? `${HOSTS.github}/${repository}/.github/workflows/` : `${HOSTS.gitlab}/${repository}//`;
    if (!repository || !config.toLowerCase().startsWith(prefix.toLowerCase())) return undefined;
    const workflow = config.slice(prefix.length).replace(/@.*$/, '');
    return workflow ? { kind, repository, workflow } : undefined;
  }
  if (identity.issuer === ISSUERS.google && /^[^@\s]+@[^@\s]+$/.test(identity.subjectAlternativeName)) return { kind: 'google', email: identity.subjectAlternativeName };
  return undefined;
}

/** Whether a certificate identity is this pinned publisher's. */
export function matchesPublisher(identity: CertificateIdentity, pinned: Publisher): boolean {
  const actual = publisherOf(identity);
  if (!actual || actual.kind !== pinned.kind) return false;
  if (actual.kind === 'google' || pinned.kind === 'google') return actual.kind === 'google' && pinned.kind === 'google' && actual.email.toLowerCase() === pinned.email.toLowerCase();
  return actual.repository.toLowerCase() === pinned.repository.toLowerCase() && actual.workflow === pinned.workflow;
}
