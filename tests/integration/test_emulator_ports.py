"""An emulator whose port is taken between picking and binding is started again on another port,
at once, instead of the stack waiting for a server that will never answer."""

from __future__ import annotations

import socket

import pytest

from devtools import emulators, processes
from devtools.processes import PortTaken

pytestmark = pytest.mark.integration


@pytest.fixture
def squatter():
    """A port some other process listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_an_emulator_whose_port_is_taken_starts_again_on_another(monkeypatch, squatter, tmp_path):
    picks = iter([squatter])
    real_free_port = processes.free_port
    monkeypatch.setattr(emulators, "free_port", lambda: next(picks, None) or real_free_port())
    child, host_port = emulators.start_emulator("pubsub", tmp_path)
    try:
        assert not host_port.endswith(f":{squatter}")
        [first_log] = tmp_path.glob("pubsub-emulator.log")
        assert processes.port_taken(processes.Child("first", 0, first_log))  # the first try did fail on it
    finally:
        child.stop()
    assert not child.alive()


def test_a_port_taken_every_time_is_reported_as_such(monkeypatch, squatter, tmp_path):
    monkeypatch.setattr(emulators, "free_port", lambda: squatter)
    with pytest.raises(PortTaken):
        emulators.start_emulator("firestore", tmp_path)
