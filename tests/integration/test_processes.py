"""Stopping process groups side by side (`devtools.processes.stop_groups`, how a stack goes down):
every group ends, one that ignores SIGTERM is killed after the grace period, and a group already
gone is passed over."""

import sys

import pytest

from devtools.processes import group_alive, spawn, stop_groups

pytestmark = pytest.mark.integration
POLITE = "import time\nwhile True: time.sleep(0.1)"
STUBBORN = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n" \
           "while True: time.sleep(0.1)"


def test_every_group_is_stopped_and_one_that_ignores_sigterm_is_killed(tmp_path):
    polite = spawn("polite", [sys.executable, "-c", POLITE], tmp_path)
    stubborn = spawn("stubborn", [sys.executable, "-c", STUBBORN], tmp_path)
    gone = spawn("gone", [sys.executable, "-c", "pass"], tmp_path)
    while gone.alive() or "ready" not in stubborn.log_path.read_text():  # (the SIGTERM handler is set)
        assert stubborn.alive()
    stop_groups([polite.pid, stubborn.pid, gone.pid], grace_s=0.5)
    assert not group_alive(polite.pid) and not group_alive(stubborn.pid)
