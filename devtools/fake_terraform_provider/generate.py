"""Regenerate `schemas/<provider>.json` from the pinned CDK Terrain bindings, trimmed to the resource
and data source types that `terraform/` uses:

    .venv/bin/python -m devtools.fake_terraform_provider generate

`pip download --no-deps` fetches each package into a temporary directory (nothing is installed);
its jsii tarball holds the JavaScript that `cdktn_bindings` reads. Run it after bumping a version
below or using a new resource type in `terraform/` (a lint test fails until then).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from devtools.fake_terraform_provider.cdktn_bindings import Bindings
from devtools.fake_terraform_provider.schema import Block, ProviderSchema, schema_path

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
REQUIRED_SOURCE = re.compile(r'^\s*source\s*=\s*"(?P<source>[\w.-]+/[\w-]+(?:/[\w-]+)?)"', re.MULTILINE)
USED_TYPE = re.compile(r'^\s*(?P<kind>resource|data)\s+"(?P<type>[a-z0-9_]+)"', re.MULTILINE)
LIB_FILE = re.compile(r"^package/lib/(?P<dir>[^/]+)/.*\.js$")


@dataclass(frozen=True)
class Package:
    """A provider and the PyPI package of its prebuilt bindings, generated from that version."""

    source: str
    version: str
    package: str
    package_version: str

    @property
    def name(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.package_version}"


# every provider terraform/versions.tf requires, in a version its constraint allows
PACKAGES = (
    Package("hashicorp/google", "7.46.1", "cdktn-provider-google", "20.3.1"),
    Package("hashicorp/google-beta", "7.46.1", "cdktn-provider-google-beta", "20.3.1"),
)


def used_types(root: Path = TERRAFORM) -> dict[str, set[str]]:
    """`{"resource": {...}, "data": {...}}`: the types declared in every `.tf` file under `root`, but
    Terraform's own (`terraform_data`)."""
    used: dict[str, set[str]] = {"resource": set(), "data": set()}
    for path in root.rglob("*.tf"):
        if ".terraform" not in path.parts:
            for match in USED_TYPE.finditer(path.read_text()):
                if not match["type"].startswith("terraform_"):
                    used[match["kind"]].add(match["type"])
    return used


def required_sources(root: Path = TERRAFORM) -> set[str]:
    """The providers the `required_providers` blocks under `root` name (`hashicorp/google`, ...)."""
    sources = set()
    for path in root.rglob("versions.tf"):
        if ".terraform" not in path.parts:
            sources |= {match["source"].removeprefix("registry.terraform.io/")
                        for match in REQUIRED_SOURCE.finditer(path.read_text())}
    return sources


def schema_from_tarball(package: Package, tarball: bytes, used: dict[str, set[str]] | None) -> ProviderSchema:
    """The provider's schema from its jsii tarball; with `used`, only those resource and data types."""
    files: dict[str, list[str]] = defaultdict(list)
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        for member in sorted(archive.getmembers(), key=lambda member: member.name):
            if (match := LIB_FILE.match(member.name)) and (extracted := archive.extractfile(member)):
                files[match["dir"]].append(extracted.read().decode())
    provider: Block | None = None
    blocks: dict[str, dict[str, Block]] = {"resource": {}, "data": {}}
    for texts in files.values():
        bindings = Bindings("\n".join(texts))
        for type_name, (kind, class_name) in bindings.roots().items():
            if kind == "provider":  # the bindings add `alias`, a meta-argument, to its block
                block = bindings.root_block(class_name)
                provider = replace(block, attributes={name: attribute for name, attribute in block.attributes.items()
                                                      if name != "alias"})
            elif used is None or type_name in used[kind]:
                blocks[kind][type_name] = bindings.root_block(class_name)
    if provider is None:
        raise ValueError(f"{package.requirement}: no provider class in its bindings")
    return ProviderSchema(source=package.source, version=package.version, generated_from=package.requirement,
                          provider=provider, resources=blocks["resource"], data_sources=blocks["data"])


def download_tarball(package: Package, directory: Path) -> bytes:
    """The jsii tarball inside the package's wheel, fetched by pip (no dependencies, no install)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                    "--only-binary", ":all:", "-d", str(directory), package.requirement], check=True)
    [wheel] = directory.glob(f"{package.package.replace('-', '_')}-{package.package_version}-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        [name] = [name for name in archive.namelist() if name.endswith(".jsii.tgz")]
        return archive.read(name)


def generate(packages: tuple[Package, ...] = PACKAGES, root: Path = TERRAFORM) -> list[Path]:
    used = used_types(root)
    written = []
    for package in packages:
        with tempfile.TemporaryDirectory(prefix="cdktn-") as directory:
            schema = schema_from_tarball(package, download_tarball(package, Path(directory)), used)
        path = schema_path(package.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        schema.write(path)
        written.append(path)
    return written
