"""The directory `terraform init -plugin-dir DIR` installs the fake providers from: one executable
per provider at `DIR/registry.terraform.io/<namespace>/<name>/<version>/<os_arch>/
terraform-provider-<name>_v<version>`, a shell script that starts `server.py` in `.venv-terraform`."""

from __future__ import annotations

import platform
import shlex
from pathlib import Path

from devtools.fake_terraform_provider.schema import ProviderSchema, committed_schemas

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_PYTHON = ROOT / ".venv-terraform" / "bin" / "python"
ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def os_arch() -> str:
    return f"{platform.system().lower()}_{ARCHES.get(platform.machine(), platform.machine())}"


def executable(directory: Path, schema: ProviderSchema) -> Path:
    return (directory / "registry.terraform.io" / schema.source / schema.version / os_arch()
            / f"terraform-provider-{schema.name}_v{schema.version}")


def plugin_directory(directory: Path, python: Path = PLUGIN_PYTHON) -> list[Path]:
    """Write the executables of every committed schema's provider under `directory`."""
    written = []
    for schema in committed_schemas():
        path = executable(directory, schema)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n"
                        f"PYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(str(python))} "
                        f"-m devtools.fake_terraform_provider serve {shlex.quote(schema.name)}\n")
        path.chmod(0o755)
        written.append(path)
    return written
