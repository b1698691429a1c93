"""Run `terraform init`, `validate` and `plan` offline against the fake providers, on a temporary
copy of a module, and leave nothing behind:

    with OfflineTerraform() as terraform:
        steps = terraform.check(terraform.copy_root_module())

The copy of the root module gets a local backend (`backend_override.tf`) and the example's variables
(`terraform.tfvars`), so the lock file, the state and `.terraform/` are written in the copy only;
the repository's other top-level folders are linked beside it for the paths it reads
(`${path.module}/../workflows/...`). Terraform runs with no CLI configuration, no update check and
its plugins' temporary files (their sockets) inside the same temporary directory.

    python -m devtools.fake_terraform_provider plan     (the root module, by hand)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from devtools.fake_terraform_provider.plugin_dir import PLUGIN_PYTHON, plugin_directory

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
LOCAL_BACKEND = 'terraform {\n  backend "local" {}\n}\n'
NOT_COPIED = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", "*.tfvars")
STEPS = (("init", "-input=false", "-no-color", "-plugin-dir={plugins}"),
         ("validate", "-no-color"),
         ("plan", "-refresh=false", "-input=false", "-no-color"))


@dataclass(frozen=True)
class Step:
    command: str
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class OfflineTerraform:
    """A temporary directory holding the fake providers' plugin directory and the modules checked."""

    def __init__(self, terraform: str | None = None, timeout: float = 120) -> None:
        found = terraform or shutil.which("terraform")
        if found is None:
            raise FileNotFoundError("the terraform binary is not installed")
        if not PLUGIN_PYTHON.exists():
            raise FileNotFoundError(f"{PLUGIN_PYTHON.relative_to(ROOT)} is missing: `make install` creates it")
        self.terraform = found
        self.timeout = timeout
        self._temporary = tempfile.TemporaryDirectory(prefix="offline-terraform-")
        self.directory = Path(self._temporary.name)
        self.plugins = self.directory / "plugins"
        plugin_directory(self.plugins)
        (self.directory / "tmp").mkdir()
        (self.directory / "terraformrc").write_text("")
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("TF_")}
        self.env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TMPDIR=str(self.directory / "tmp"),
                        TF_CLI_CONFIG_FILE=str(self.directory / "terraformrc"))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._temporary.cleanup()

    def copy_root_module(self, name: str = "root", source: Path = TERRAFORM) -> Path:
        """A copy of the root module, ready to plan: local backend, the example's variables."""
        workspace = self.directory / name
        workspace.mkdir()
        for sibling in source.parent.iterdir():
            if sibling.is_dir() and sibling != source and not sibling.name.startswith("."):
                (workspace / sibling.name).symlink_to(sibling)
        module = workspace / source.name
        shutil.copytree(source, module, ignore=NOT_COPIED)
        (module / "backend_override.tf").write_text(LOCAL_BACKEND)
        shutil.copyfile(source / "terraform.tfvars.example", module / "terraform.tfvars")
        return module

    def module(self, name: str, files: dict[str, str]) -> Path:
        """A module of its own, from `{file name: HCL}`."""
        module = self.directory / name
        module.mkdir()
        for file_name, text in files.items():
            (module / file_name).write_text(text)
        return module

    def check(self, module: Path) -> list[Step]:
        """init, validate, plan in `module`, stopping at the first that fails."""
        steps = []
        for command, *arguments in STEPS:
            arguments = [argument.format(plugins=self.plugins) for argument in arguments]
            result = subprocess.run([self.terraform, command, *arguments], cwd=module, env=self.env, check=False,
                                    capture_output=True, text=True, timeout=self.timeout)
            steps.append(Step(command, result.returncode, result.stdout + result.stderr))
            if result.returncode != 0:
                break
        return steps
