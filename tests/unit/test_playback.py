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


async def play_one(stall_after_frames: int | None, audio_ms: int = 200, frames_per_message: int = 1):
    clock, sent = FakeClock(), []

    async def send_media(frame: bytes) -> None:
        sent.append(clock.now)
        sizes.append(len(frame))
        clock.now += 0.02  # real time passes as frames go out
        if len(sent) == stall_after_frames:
            clock.now += 0.5  # the relay stalls for half a second

    async def send_mark(name: str) -> None:
        done.set()

    done, sizes = asyncio.Event(), []
    playback = Playback(send_media=send_media, send_mark=send_mark, lead_s=0.1, clock=clock,
                        frames_per_message=frames_per_message)
    audio = asyncio.get_running_loop().create_future()
    audio.set_result(mulaw.silence(audio_ms))
    playback.enqueue(Segment(speech=BotSpeech(call_id="CA1", turn_seq=0, relay_instance="r", segment=0, text="x"),
                             audio=audio))
    runner = asyncio.create_task(playback.run(lambda s: None, lambda s: asyncio.sleep(0), lambda s, e: None))
    await asyncio.wait_for(done.wait(), 5)
    runner.cancel()
    return playback, sent, sizes


async def test_paced_playback_has_no_underruns():
    playback, sent, _ = await play_one(stall_after_frames=None)
    assert len(sent) == 10 and playback.underruns == 0


async def test_a_stall_mid_segment_is_counted_as_an_underrun():
    playback, _, _ = await play_one(stall_after_frames=3)
    assert playback.underruns == 1 and 0.4 < playback.underrun_s <= 0.52  # the stall less any buffered audio


async def test_several_frames_go_in_one_message_and_the_pacing_counts_them():
    playback, sent, sizes = await play_one(stall_after_frames=None, audio_ms=210, frames_per_message=2)
    # 210 ms: five 40 ms messages and the last 10 ms padded to a whole 20 ms frame
    assert sizes == [320, 320, 320, 320, 320, 160]
    assert playback.underruns == 0
    # ahead of real time by at most the lead: the sixth message waits for the audio before it
    assert sent[-1] - sent[0] >= 0.2 - 0.1 - 1e-9
