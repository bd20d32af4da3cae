/**
 * Tiny real packages to publish, made by hand with dpkg-deb and rpmbuild in a
 * fraction of a second each: a .deb for Debian 12 and an .rpm for EL9 per
 * name, `padding` bytes of incompressible data in each when asked (to fill a
 * file system).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export async function tinyPackages(dir: string, names: readonly string[], padding = 0, version = '1.0'): Promise<string[]> {
  await mkdir(join(dir, 'SPECS'), { recursive: true });
  const pad = padding > 0 ? `head -c ${padding} /dev/urandom > $d/usr/share/doc/python3-$n/padding` : ':';
  const rpmPad = padding > 0 ? `mkdir -p ${dir}/pad-$n && head -c ${padding} /dev/urandom > ${dir}/pad-$n/padding` : ':';
  const script = `set -e; cd ${dir}; for n in ${names.join(' ')}; do
    d=$(mktemp -d); mkdir -p $d/DEBIAN $d/usr/share/doc/python3-$n; echo $n > $d/usr/share/doc/python3-$n/README; ${pad}
    printf 'Package: python3-%s\\nVersion: ${version}-1~deb12\\nArchitecture: all\\nMaintainer: T <t@example.org>\\nDescription: test fixture %s\\n' $n $n > $d/DEBIAN/control
    dpkg-deb --build -Znone --root-owner-group $d python3-\${n}_${version}-1~deb12_all.deb >/dev/null; rm -rf $d
    ${rpmPad}
    { printf 'Name: python3-%s\\nVersion: ${version}\\nRelease: 1.el9\\nSummary: s\\nLicense: MIT\\nBuildArch: noarch\\n%%description\\nd\\n' $n
      if [ -d ${dir}/pad-$n ]; then printf '%%install\\nmkdir -p %%{buildroot}/usr/share/doc/python3-%s\\ncp ${dir}/pad-%s/padding %%{buildroot}/usr/share/doc/python3-%s/\\n%%files\\n/usr/share/doc/python3-%s/padding\\n' $n $n $n $n; else printf '%%files\\n'; fi; } > SPECS/$n.spec
    rpmbuild -bb --quiet --define "_topdir ${dir}" --define '_binary_payload w.ufdio' SPECS/$n.spec >/dev/null
  done`;
  await execa('bash', ['-c', script]);
  return names.flatMap((n) => [join(dir, `python3-${n}_${version}-1~deb12_all.deb`), join(dir, 'RPMS', 'noarch', `python3-${n}-${version}-1.el9.noarch.rpm`)]);
}
