/**
 * Real package-manager clients against a repository served on 127.0.0.1:
 * apt-get with a private configuration (its own sources, lists and cache;
 * Signed-By our published key; Check-Valid-Until on) and dnf in an
 * --installroot with gpgcheck, repo_gpgcheck and skip_if_unavailable=False.
 */
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface ClientResult {
  exitCode: number;
  output: string;
}

export class AptClient {
  /** `status`: a dpkg status file of the client's own (what it has installed); default the host's, nothing installed into it. */
  private constructor(
    readonly root: string,
    private readonly status = '/var/lib/dpkg/status',
  ) {}

  /**
   * A client of the repository at `baseUrl`, suite `codename`. `published`
   * takes the client files pkg2os published instead (its .sources, with
   * Signed-By pointed at a local copy of the key, and its .pref); `more` are
   * further sources, each with its own key (a stand-in for the distribution).
   */
  static async create(baseUrl: string, keyArmored: string, options: { codename?: string; published?: { sources: string; preferences?: string }; more?: Array<{ sources: string; key: string }>; system?: boolean; status?: string } | string = {}): Promise<AptClient> {
    const o = typeof options === 'string' ? { codename: options } : options;
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-apt-'));
    for (const dir of ['etc/apt/sources.list.d', 'etc/apt/trusted.gpg.d', 'etc/apt/preferences.d', 'etc/apt/apt.conf.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial']) {
      await mkdir(join(root, dir), { recursive: true });
    }
    await writeFile(join(root, 'key.asc'), keyArmored);
    // Through APT_CONFIG, so that none of the host's /etc/apt/apt.conf.d (which may turn checks off) is read.
    await writeFile(
      join(root, 'apt.conf'),
      [`Dir::Etc "${root}/etc/apt";`, `Dir::Etc::Parts "${root}/etc/apt/apt.conf.d";`, 'Acquire::Check-Valid-Until "true";', 'Acquire::AllowInsecureRepositories "false";', ''].join('\n'),
    );
    const sources = o.published
      ? o.published.sources.replace(/^Signed-By: .*$/m, `Signed-By: ${join(root, 'key.asc')}`)
      : `Types: deb\nURIs: ${baseUrl}/deb\nSuites: ${o.codename ?? 'bookworm'}\nComponents: main\nSigned-By: ${join(root, 'key.asc')}\n`;
    await writeFile(join(root, 'etc/apt/sources.list.d/pkg2os.sources'), sources);
    if (o.published?.preferences) await writeFile(join(root, 'etc/apt/preferences.d/pkg2os.pref'), o.published.preferences);
    // The machine's own distribution sources and keys, as an ops team's machine has them.
    if (o.system) {
      for (const name of await readdir('/etc/apt/sources.list.d').catch(() => [] as string[])) {
        if (/\.(list|sources)$/.test(name)) await copyFile(join('/etc/apt/sources.list.d', name), join(root, 'etc/apt/sources.list.d', `system-${name}`));
      }
      await copyFile('/etc/apt/sources.list', join(root, 'etc/apt/sources.list')).catch(() => undefined);
      for (const name of await readdir('/etc/apt/trusted.gpg.d').catch(() => [] as string[])) await copyFile(join('/etc/apt/trusted.gpg.d', name), join(root, 'etc/apt/trusted.gpg.d', name));
    }
    for (const [k, more] of (o.more ?? []).entries()) {
      await writeFile(join(root, `more-${k}.asc`), more.key);
      await writeFile(join(root, `etc/apt/sources.list.d/more-${k}.sources`), more.sources.replace(/^Signed-By: .*$/m, `Signed-By: ${join(root, `more-${k}.asc`)}`));
    }
    return new AptClient(root, o.status);
  }

  /** The candidate version apt would install (`apt-cache policy`). */
  async candidate(pkg: string): Promise<string | undefined> {
    const r = await execa('apt-cache', [...this.args([]), 'policy', pkg], { reject: false, env: { LANG: 'C', APT_CONFIG: join(this.root, 'apt.conf') } });
    return /^\s+Candidate: (\S+)$/m.exec(String(r.stdout))?.[1];
  }

  /** The versions the sources offer (`apt-cache madison`), newest first. */
  async offered(pkg: string): Promise<string[]> {
    const r = await execa('apt-cache', [...this.args([]), 'madison', pkg], { reject: false, env: { LANG: 'C', APT_CONFIG: join(this.root, 'apt.conf') } });
    return String(r.stdout).split('\n').map((l) => l.split('|')[1]?.trim()).filter((v): v is string => Boolean(v));
  }

  private args(extra: string[]): string[] {
    const r = this.root;
    return [
      '-o', `Dir::State=${r}/var/lib/apt`,
      '-o', `Dir::Cache=${r}/var/cache/apt`,
      // Installed packages come from the real system, so that python3:any is satisfied; nothing is installed into it.
      '-o', `Dir::State::status=${this.status}`,
      '-o', 'Acquire::Check-Valid-Until=true',
      '-o', 'Acquire::Retries=0',
      '-o', 'Debug::NoLocking=true',
      '-o', 'APT::Sandbox::User=root',
      ...extra,
    ];
  }

  async run(...extra: string[]): Promise<ClientResult> {
    const r = await execa('apt-get', this.args(extra), { reject: false, all: true, env: { LANG: 'C', APT_CONFIG: join(this.root, 'apt.conf') } });
    return { exitCode: r.exitCode ?? -1, output: String(r.all) };
  }

  update(...options: string[]): Promise<ClientResult> {
    return this.run(...options, 'update');
  }

  /** `apt-get install --download-only`: apt's whole trust chain (signed Release → Packages → .deb hash), without touching the system. */
  install(...packages: string[]): Promise<ClientResult> {
    return this.run('install', '-y', '--download-only', ...packages);
  }

  get archives(): string {
    return join(this.root, 'var/cache/apt/archives');
  }
}

export class DnfClient {
  private constructor(readonly root: string) {}

  /**
   * A client of the target's yum repository: `repoFile` is the .repo file as
   * pkg2os published it (pkg2os-<target>.repo); without it, a minimal one.
   * `more` are further repositories (a stand-in for the distribution's).
   */
  static async create(baseUrl: string, options: { target?: string; repoFile?: string; more?: Record<string, string> } = {}): Promise<DnfClient> {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-dnf-'));
    await mkdir(join(root, 'etc/yum.repos.d'), { recursive: true });
    const target = options.target ?? 'el9';
    await writeFile(
      join(root, 'etc/yum.repos.d/pkg2os.repo'),
      options.repoFile ?? `[pkg2os]\nname=pkg2os\nbaseurl=${baseUrl}/rpm/${target}\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=${baseUrl}/KEY.asc\nskip_if_unavailable=False\n`,
    );
    for (const [name, text] of Object.entries(options.more ?? {})) await writeFile(join(root, 'etc/yum.repos.d', `${name}.repo`), text);
    return new DnfClient(root);
  }

  async run(...args: string[]): Promise<ClientResult> {
    const r = await execa(
      'dnf',
      ['-y', '--disableplugin=local', `--installroot=${this.root}`, `--setopt=reposdir=${this.root}/etc/yum.repos.d`, `--setopt=cachedir=${this.root}/var/cache/dnf`, '--setopt=metadata_expire=0', '--releasever=9', ...args],
      { reject: false, all: true, env: { LANG: 'C.UTF-8' } },
    );
    // dnf's repo_gpgcheck starts a gpg-agent per repository keyring, and leaves it running.
    const cache = join(this.root, 'var/cache/dnf');
    for (const repo of await readdir(cache).catch(() => [] as string[])) {
      await execa('gpgconf', ['--homedir', join(cache, repo, 'pubring'), '--kill', 'gpg-agent'], { reject: false });
    }
    return { exitCode: r.exitCode ?? -1, output: String(r.all) };
  }
}
