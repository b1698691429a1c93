"""`terraform/` is formatted and passes checkov's Terraform checks, offline; every suppressed check
says why."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_SKIP = re.compile(r"checkov:skip=(?P<check>[A-Za-z0-9_]+)(?::(?P<reason>.*))?")


def checkov_skips(root: Path) -> list[tuple[Path, int, str, str]]:
    """Every `checkov:skip` comment under `root`: file, line, check id and reason ("" when none)."""
    skips = []
    for path in sorted(path for path in root.rglob("*.tf") if ".terraform" not in path.parts):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in CHECKOV_SKIP.finditer(line):
                skips.append((path, number, match["check"], (match["reason"] or "").strip()))
    return skips


def test_terraform_is_formatted():
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("the terraform binary is not installed")
    result = subprocess.run([terraform, "fmt", "-check", "-recursive", "-diff", "terraform"], check=False,
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"terraform fmt -recursive terraform would change:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def checkov_reports() -> list[dict]:
    """checkov's reports on terraform/, run once: one per framework, a bare summary when nothing was
    scanned."""
    if not CHECKOV.exists():
        pytest.skip(f"{CHECKOV.relative_to(ROOT)} is missing: `make install` creates it")
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    env.pop("BC_API_KEY", None)  # nothing leaves the machine: no platform, no downloads
    result = subprocess.run(
        [str(CHECKOV), "-d", "terraform", "--framework", "terraform", "--quiet", "--compact", "-o", "json",
         "--skip-download"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), f"checkov crashed ({result.returncode}):\n{result.stderr[-3000:]}"
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def _failed_checks(reports: list[dict]) -> list[dict]:
    return [check for report in reports for check in report.get("results", {}).get("failed_checks", [])]


def _summaries(reports: list[dict]) -> list[dict]:
    return [report.get("summary", report) for report in reports]


def test_checkov_finds_no_failed_check(checkov_reports):
    failed = _failed_checks(checkov_reports)
    lines = [f"{check['check_id']} {check['resource']} ({check['file_path']}:{check['file_line_range'][0]}): "
             f"{check['check_name']}" for check in failed]
    assert failed == [], "checkov failed checks:\n" + "\n".join(lines)


def test_checkov_parses_every_file(checkov_reports):
    assert [summary.get("parsing_errors", 0) for summary in _summaries(checkov_reports)] == \
        [0] * len(checkov_reports)


def test_every_checkov_skip_gives_a_reason():
    unexplained = [f"{path.relative_to(ROOT)}:{line}: {check}"
                   for path, line, check, reason in checkov_skips(TERRAFORM) if not reason]
    assert unexplained == [], "checkov:skip=<check>:<reason> needs the reason"
