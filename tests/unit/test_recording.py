"""The call recorder: both tracks on one time line, the bot's placed where it started playing, its
gaps silent, and what a barge-in cleared cut off."""

import numpy as np

from stream_relay import mulaw
from stream_relay.recording import CallRecorder

TONE = mulaw.encode(np.full(160, 8000, dtype=np.int16))  # one 20 ms frame, loud
OTHER = mulaw.encode(np.full(160, -4000, dtype=np.int16))


def test_bot_frames_are_placed_on_the_time_line_with_silence_between():
    recorder = CallRecorder()
    for _ in range(10):
        recorder.caller_frame(mulaw.silence(20))
    recorder.bot_frame(TONE, at_sample=320)
    recorder.bot_frame(TONE, at_sample=800)
    caller, bot = recorder.tracks()
    assert len(caller) == len(bot) == 1600
    assert not bot[:320].any() and (bot[320:480] > 0).all() and not bot[480:800].any()
    assert (bot[800:960] > 0).all() and not bot[960:].any()


def test_a_frame_sent_over_an_earlier_one_replaces_it_and_the_track_grows_past_the_caller():
    recorder = CallRecorder()
    recorder.caller_frame(mulaw.silence(20))
    recorder.bot_frame(TONE, at_sample=0)
    recorder.bot_frame(OTHER, at_sample=80)
    caller, bot = recorder.tracks()
    assert len(caller) == len(bot) == 240 and not caller.any()
    assert (bot[:80] > 0).all() and (bot[80:] < 0).all()


def test_a_clear_cuts_everything_sent_after_the_moment_it_happened():
    recorder = CallRecorder()
    for start in range(0, 1600, 160):
        recorder.bot_frame(TONE, at_sample=start)
    recorder.bot_cleared(at_sample=500)
    recorder.bot_frame(OTHER, at_sample=2000)  # the next reply, later
    _, bot = recorder.tracks()
    assert (bot[:500] > 0).all() and not bot[500:2000].any() and (bot[2000:2160] < 0).all()
