#!/usr/bin/env bash
# The floor for benchmark 1: what pkg2os does for each sdist, by hand and with
# nothing else (no verification, no metadata, no templates): unpack, build the
# wheel, stage it, dpkg-deb, rpmbuild.  Usage: floor-build.sh SDIST_DIR OUT_DIR
set -euo pipefail
sdists=$1 out=$2
mkdir -p "$out"
for sdist in "$sdists"/*.tar.gz; do
  work=$(mktemp -d)
  tar -xzf "$sdist" -C "$work"
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
  name=$(basename "$src" | sed 's/-[0-9].*//; s/_/-/g')
  version=$(basename "$src" | sed 's/^.*-//')
  unshare --net -- /usr/bin/python3 -m build --wheel --no-isolation --outdir "$work/wheel" "$src" >/dev/null 2>&1
  DEB_PYTHON_INSTALL_LAYOUT=deb_system /usr/bin/python3 -m installer --destdir "$work/deb" --prefix /usr "$work"/wheel/*.whl
  mkdir -p "$work/deb/DEBIAN"
  printf 'Package: python3-%s\nVersion: %s-1\nArchitecture: all\nMaintainer: Bench <bench@example.org>\nDescription: bench\n' "$name" "$version" > "$work/deb/DEBIAN/control"
  dpkg-deb --build --root-owner-group -Zxz "$work/deb" "$out/python3-${name}_${version}-1_all.deb" >/dev/null
  # Without an el9 root pkg2os does not byte-compile the EL9 rpm (the host's Python is 3.11), so neither does the floor.
  /usr/bin/python3 -m installer --destdir "$work/rpmroot" --prefix /usr "$work"/wheel/*.whl
  mkdir -p "$work/top/SPECS"
  cat > "$work/top/SPECS/p.spec" <<SPEC
Name: python3-$name
Version: $version
Release: 1
Summary: bench
License: MIT
BuildArch: noarch
AutoReqProv: no
%description
bench
%install
cp -a $work/rpmroot/. %{buildroot}/
%files
/usr
SPEC
  # The same payload compression pkg2os uses (Fedora's and RHEL 9's default; Debian's rpm would use gzip).
  rpmbuild -bb --define "_topdir $work/top" --define "_build_id_links none" --define "__os_install_post %{nil}" --define "_binary_payload w19.zstdio" "$work/top/SPECS/p.spec" >/dev/null 2>&1
  cp "$work"/top/RPMS/noarch/*.rpm "$out/"
  rm -rf "$work"
done
