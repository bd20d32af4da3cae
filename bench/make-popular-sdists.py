#!/usr/bin/python3
"""
Make sdists from the release tags of popular projects' repositories (and of
the build backends they need), for bench/popular.ts: each is the tree of the
newest release tag (git archive, so export-subst fills .git_archival.txt as
setuptools-scm and hatch-vcs read it), with a PKG-INFO naming the project and
version. Nothing this makes is committed; the repositories come from
elsewhere (usage: make-popular-sdists.py MIRROR_DIR OUT_DIR).
"""
import io
import os
import re
import subprocess
import sys
import tarfile
import tomllib

from packaging.version import InvalidVersion, Version

# repository directory under MIRROR, subdirectory holding the project, tag pattern (group 1: the version).
# The first BACKENDS entries are build backends and what they need.
BACKENDS = 17
SPECS = [
    # build backends and what they need
    ("pypa+flit", "flit_core", r"^v?(\d+(?:\.\d+)+)$"),
    ("pypa+hatch", "backend", r"^hatchling-v(\d+(?:\.\d+)+)$"),
    ("pypa+setuptools", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pypa+setuptools-scm", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("ofek+hatch-vcs", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("hynek+hatch-fancy-pypi-readme", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("python-poetry+poetry-core", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pdm-project+pdm-backend", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pypa+packaging", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("cpburnz+python-pathspec", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pytest-dev+pluggy", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pypa+trove-classifiers", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pypa+wheel", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("di+calver", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("coherent-oss+coherent.licensed", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("python+typing_extensions", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("python-poetry+tomlkit", "", r"^v?(\d+(?:\.\d+)+)$"),
    # today's popular projects
    ("psf+requests", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("urllib3+urllib3", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("certifi+python-certifi", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("kjd+idna", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("jawah+charset_normalizer", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("dateutil+dateutil", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("benjaminp+six", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("yaml+pyyaml", "", r"^v?(\d+(?:\.\d+)+)$", "PyYAML"),
    ("python-attrs+attrs", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("tox-dev+platformdirs", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pallets+click", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pallets+markupsafe", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pallets+jinja", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("tox-dev+filelock", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("jaraco+zipp", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("python+importlib_metadata", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("hukkin+tomli", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("tartley+colorama", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pygments+pygments", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("tqdm+tqdm", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("Textualize+rich", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("executablebooks+markdown-it-py", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("executablebooks+mdurl", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("python-hyper+h11", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("agronholm+anyio", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("python-trio+sniffio", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("encode+httpx", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("encode+httpcore", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pytest-dev+iniconfig", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("jmespath+jmespath.py", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("annotated-types+annotated-types", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("tkem+cachetools", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pyparsing+pyparsing", "", r"^(?:pyparsing_)?(\d+(?:\.\d+)+)$"),
    ("GrahamDumpleton+wrapt", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("sybrenstuvel+python-rsa", "", r"^(?:version-)?(\d+(?:\.\d+)+)$", "rsa"),
    ("pyasn1+pyasn1", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("boto+s3transfer", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pytest-dev+pytest", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("python-jsonschema+jsonschema", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("fsspec+filesystem_spec", "", r"^v?(\d+(?:\.\d+)+)$"),
    ("pydantic+pydantic", "", r"^v?(\d+(?:\.\d+)+)$"),
]


def git(repo, *args, binary=False):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=not binary).stdout


def release_tags(repo, pattern, lines):
    """The newest release of each of the newest `lines` release lines (a major version; major.minor below 1.0), newest first."""
    found = []
    for tag in git(repo, "tag").split():
        m = re.match(pattern, tag)
        if not m:
            continue
        try:
            v = Version(m.group(1))
        except InvalidVersion:
            continue
        if not (v.is_prerelease or v.is_devrelease):
            found.append((v, tag, m.group(1)))
    found.sort(reverse=True)
    out, seen = [], set()
    for v, tag, text in found:
        line = (v.major,) if v.major >= 1 else (v.major, v.minor)
        if line in seen:
            continue
        seen.add(line)
        out.append((v, tag, text))
        if len(out) == lines:
            break
    return out


def project_name(files, fallback):
    if "pyproject.toml" in files:
        try:
            name = tomllib.loads(files["pyproject.toml"].decode()).get("project", {}).get("name")
            if name:
                return name
        except tomllib.TOMLDecodeError:
            pass
    for key in ("setup.cfg",):
        if key in files:
            m = re.search(r"^name\s*=\s*(\S+)", files[key].decode(errors="replace"), re.M)
            if m:
                return m.group(1)
    if "setup.py" in files:
        m = re.search(r"name\s*=\s*['\"]([^'\"]+)['\"]", files["setup.py"].decode(errors="replace"))
        if m:
            return m.group(1)
    return fallback


def main(mirror, out):
    made = []
    for spec in SPECS:
        repo_name, subdir, pattern = spec[:3]
        override = spec[3] if len(spec) > 3 else None
        # Build backends: several release lines, as an index has them (upstreams pin upper bounds: flit_core<4, setuptools<83.1).
        lines = 4 if SPECS.index(spec) < BACKENDS else 1
        repo = os.path.join(mirror, repo_name, "repo")
        if not os.path.isdir(repo):
            print(f"skip {repo_name}: not fetched", file=sys.stderr)
            continue
        tags = release_tags(repo, pattern, lines)
        if not tags:
            print(f"skip {repo_name}: no release tag", file=sys.stderr)
            continue
        first = None
        for _, tag, version in tags:
            # An older tag whose tree is another project (hatch's before hatchling had its own tags) is left out.
            one = make_one(repo, repo_name, subdir, tag, version, override, out, expect=first)
            if one and first is None:
                first = one[0]["project"]
            made.extend(one)
    with open(os.path.join(out, "made.json"), "w") as f:
        import json

        json.dump(made, f, indent=1)


def make_one(repo, repo_name, subdir, tag, version, override, out, expect=None):
    treeish = f"{tag}:{subdir}" if subdir else tag
    try:
        data = git(repo, "archive", "--format=tar", treeish, binary=True)
    except subprocess.CalledProcessError as error:
        print(f"skip {repo_name}: git archive failed ({error.stderr[-200:]!r})", file=sys.stderr)
        return []
    members = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            if m.isfile():
                members[m.name] = (m, tar.extractfile(m).read())
    top = {name: content for name, (_, content) in members.items() if "/" not in name}
    name = override or project_name(top, repo_name.split("+")[1])
    dist = re.sub(r"[-_.]+", "_", name)
    normalized = re.sub(r"[-_.]+", "-", name).lower()
    if expect is not None and normalized != expect:
        print(f"skip {repo_name} {tag}: it is {normalized}, not {expect}", file=sys.stderr)
        return []
    base = f"{dist}-{version}"
    target_dir = os.path.join(out, normalized)
    os.makedirs(target_dir, exist_ok=True)
    path = os.path.join(target_dir, f"{base}.tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        for member_name, (info, content) in sorted(members.items()):
            info.name = f"{base}/{member_name}"
            sdist.addfile(info, io.BytesIO(content))
        if "PKG-INFO" not in members:
            pkg = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
            info = tarfile.TarInfo(f"{base}/PKG-INFO")
            info.size = len(pkg)
            info.mtime = 1735689600
            sdist.addfile(info, io.BytesIO(pkg))
    print(f"{normalized} {version} ({tag})", file=sys.stderr)
    return [{"repo": repo_name, "project": normalized, "version": version, "tag": tag, "file": path}]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
