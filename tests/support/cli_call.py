"""`callbot call` as a developer runs it, in a process of its own, against a running stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def callbot_call(stack_dir: Path, scenario: Path, report: Path, voice: str | None = None,
                 timeout_s: float = 240) -> dict:
    """Place the scenario's call on the stack recorded in `stack_dir`; the JSON report. Fails the
    test with the command's output if it exits non-zero."""
    argv = [sys.executable, "-m", "devtools.cli", "--state-dir", str(stack_dir), "call", "--scenario", str(scenario),
            "--report", str(report), *(["--voice", voice] if voice else [])]
    result = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=timeout_s, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(report.read_text())
