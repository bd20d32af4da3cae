/**
 * The shared libraries compiled code needs, as Requires of an rpm: rpm's own
 * ELF dependency generator (elfdeps) names the sonames and symbol versions
 * (`libc.so.6(GLIBC_2.34)(64bit)`), which every RPM distribution provides by
 * those names; libraries the package carries itself are left out. elfdeps
 * reads upstream's files, so it runs in the box (the host's rpm); an ELF file
 * names its libraries itself, so a capability that is not plain is refused
 * before it can reach a spec (a macro in it would run).
 */
import type { Box } from '../../box/box.js';
import { HOST_ROOT } from '../../box/sandbox.js';
import { BuildError } from '../../errors.js';

/** An rpm capability elfdeps names: a soname or rtld, a symbol version in parentheses, the 64-bit mark. */
const RPM_CAPABILITY = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*\([A-Za-z0-9_.+-]*\)(\(64bit\))?$/;

export async function elfdepsRequires(objects: readonly string[], box: Box, label: string): Promise<string[]> {
  const script = 'printf "%s\\n" "$@" | /usr/lib/rpm/elfdeps --requires && echo --- && printf "%s\\n" "$@" | /usr/lib/rpm/elfdeps --provides';
  const result = await box.run(['/bin/sh', '-c', script, 'elfdeps', ...objects.map((o) => `/build/root${o}`)], `finding the shared libraries ${label} needs`, {
    root: HOST_ROOT,
    env: { LANG: 'C.UTF-8', HOME: '/build/home' },
    capture: true,
  });
  return parseElfdeps(String(result.stdout), label);
}

/** The requires of elfdeps's output that the package does not provide itself; a capability that is not plain is an error. */
export function parseElfdeps(output: string, label: string): string[] {
  const [requires = '', provides = ''] = output.split(/^---$/m);
  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const capability of [...lines(requires), ...lines(provides)]) {
    if (!RPM_CAPABILITY.test(capability)) {
      throw new BuildError('UNSAFE_PACKAGE', `A compiled file of ${label} names a shared library pkg2os will not write into an rpm spec: ${JSON.stringify(capability)}.`, {
        hint: 'Library names are sonames such as libfoo.so.1; look at the ELF files\' NEEDED entries (objdump -p) of this upstream release.',
      });
    }
  }
  const own = new Set(lines(provides));
  return [...new Set(lines(requires))].filter((c) => !own.has(c)).sort();
}
