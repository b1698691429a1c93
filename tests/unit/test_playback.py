"""Playback pacing on a fake clock."""

import asyncio

from callbot.messages import BotSpeech
from stream_relay import mulaw
from stream_relay.playback import Playback, Segment


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def play_one(stall_after_frames: int | None):
    clock, sent = FakeClock(), []

    async def send_media(frame: bytes) -> None:
        sent.append(clock.now)
        clock.now += 0.02  # real time passes as frames go out
        if len(sent) == stall_after_frames:
            clock.now += 0.5  # the relay stalls for half a second

    async def send_mark(name: str) -> None:
        done.set()

    done = asyncio.Event()
    playback = Playback(send_media=send_media, send_mark=send_mark, lead_s=0.1, clock=clock)
    audio = asyncio.get_running_loop().create_future()
    audio.set_result(mulaw.silence(200))
    playback.enqueue(Segment(speech=BotSpeech(call_id="CA1", turn_seq=0, relay_instance="r", segment=0, text="x"),
                             audio=audio))
    runner = asyncio.create_task(playback.run(lambda s: None, lambda s: asyncio.sleep(0), lambda s, e: None))
    await asyncio.wait_for(done.wait(), 5)
    runner.cancel()
    return playback, sent


async def test_paced_playback_has_no_underruns():
    playback, sent = await play_one(stall_after_frames=None)
    assert len(sent) == 10 and playback.underruns == 0


async def test_a_stall_mid_segment_is_counted_as_an_underrun():
    playback, _ = await play_one(stall_after_frames=3)
    assert playback.underruns == 1 and 0.4 < playback.underrun_s <= 0.52  # the stall less any buffered audio
