/** N tiny .debs and .rpms for the publishing benchmarks, generated once and kept in $PKG2OS_BENCH_CACHE (default $TMPDIR/pkg2os-bench-cache). */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** N tiny .debs and .rpms, generated once and kept in the bench cache directory. */
export async function syntheticPackages(n: number): Promise<{ debs: string; rpms: string }> {
  const base = join(process.env.PKG2OS_BENCH_CACHE ?? join(tmpdir(), 'pkg2os-bench-cache'), `synthetic-${n}`);
  const debs = join(base, 'debs');
  const rpms = join(base, 'rpms');
  if ((await readdir(debs).catch(() => [])).length === n && (await readdir(rpms).catch(() => [])).length === n) return { debs, rpms };
  await rm(base, { recursive: true, force: true });
  await mkdir(debs, { recursive: true });
  await mkdir(rpms, { recursive: true });
  // One template of each, then renamed copies with their control/headers rewritten by the tools themselves.
  const script = `
set -e
n=${n}; debs=${debs}; rpms=${rpms}; work=$(mktemp -d)
for i in $(seq 0 $((n-1))); do
  d=$work/d$i; mkdir -p $d/DEBIAN $d/usr/share/doc/python3-syn-$i
  printf 'Package: python3-syn-%s\\nVersion: 1.0-1\\nArchitecture: all\\nMaintainer: Bench <bench@example.org>\\nDescription: synthetic %s\\n' $i $i > $d/DEBIAN/control
  echo $i > $d/usr/share/doc/python3-syn-$i/README
  dpkg-deb --build -Zgzip --root-owner-group $d $debs/python3-syn-\${i}_1.0-1_all.deb >/dev/null
  rm -rf $d
done
mkdir -p $work/top/SPECS
# One spec with n subpackages: one rpmbuild makes them all (n rpmbuild runs would take most of an hour at 10,000).
spec=$work/top/SPECS/s.spec
printf 'Name: python3-syn\\nVersion: 1.0\\nRelease: 1\\nSummary: s\\nLicense: MIT\\nBuildArch: noarch\\n%%description\\ns\\n' > $spec
for i in $(seq 0 $((n-1))); do
  printf '%%package -n python3-syn-%s\\nSummary: s\\n%%description -n python3-syn-%s\\ns\\n%%files -n python3-syn-%s\\n' $i $i $i >> $spec
done
rpmbuild -bb --define "_topdir $work/top" --define "_rpmdir $rpms" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" $spec >/dev/null 2>&1
rm -f $rpms/python3-syn-1.0-1.noarch.rpm
rm -rf $work`;
  await execa('bash', ['-c', script]);
  return { debs, rpms };
}

