"""Hypothesis strategies for Twilio media-stream frames: JSON values of any shape, and valid frames
with one field of the wrong type (shared by the protocol module's and the WebSocket handler's fuzz
tests)."""

from __future__ import annotations

import copy
import json

from hypothesis import strategies as st

from stream_relay import twilio_wire

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6)
VALID = (twilio_wire.connected_message(),
         twilio_wire.start_message("MZ1", "CA1", "AC1", {"from": "+14155550123"}),
         twilio_wire.media_in_message("MZ1", b"\xff" * 160, 1, 20, 2),
         twilio_wire.dtmf_message("MZ1", "5", 3), twilio_wire.mark_echo_message("MZ1", "m1", 4),
         twilio_wire.stop_message("MZ1", "CA1", "AC1", 5), twilio_wire.media_message("MZ1", b"\x7f" * 160),
         twilio_wire.mark_message("MZ1", "m2"), twilio_wire.clear_message("MZ1"))


def leaves(obj: object, path: tuple = ()) -> list[tuple]:
    """Every path to a value in a decoded frame, containers included."""
    found = [path] if path else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += leaves(value, (*path, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += leaves(value, (*path, index))
    return found


TEMPLATES = [(json.loads(frame), leaves(json.loads(frame))) for frame in VALID]


@st.composite
def wrong_typed(draw) -> str:
    """A valid frame with one field (any depth) replaced by a value of any type."""
    template, paths = draw(st.sampled_from(TEMPLATES))
    frame = copy.deepcopy(template)
    *parents, last = draw(st.sampled_from(paths))
    target = frame
    for key in parents:
        target = target[key]
    target[last] = draw(json_values)
    return json.dumps(frame)
