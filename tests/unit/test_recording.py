"""The call recorder: both tracks on one time line, the bot's placed where it started playing, its
gaps silent, and what a barge-in cleared cut off; written out in parts during the call and composed
into the same WAV that encoding the whole call at once gives."""

import asyncio
import random

import numpy as np
import pytest

from stream_relay import mulaw
from stream_relay.recording import CallRecorder, RecordingArchive, part_frames
from stream_relay.speech.wav import stereo_wav
from tests.fakes.relay import MemoryBlobStore

TONE = mulaw.encode(np.full(160, 8000, dtype=np.int16))  # one 20 ms frame, loud
OTHER = mulaw.encode(np.full(160, -4000, dtype=np.int16))


def tracks(parts: list) -> tuple[np.ndarray, np.ndarray]:
    stereo = np.frombuffer(b"".join(part_frames(p) for p in parts), dtype="<i2").reshape(-1, 2)
    return stereo[:, 0], stereo[:, 1]


def finished(recorder_parts: tuple[CallRecorder, list]) -> tuple[np.ndarray, np.ndarray]:
    recorder, parts = recorder_parts
    recorder.finish()
    return tracks(parts)


def recorder(part_samples: int = 8000) -> tuple[CallRecorder, list]:
    parts: list = []
    return CallRecorder(parts.append, part_samples), parts


def test_bot_frames_are_placed_on_the_time_line_with_silence_between():
    rec = recorder()
    for _ in range(10):
        rec[0].caller_frame(mulaw.silence(20))
    rec[0].bot_frame(TONE, at_sample=320)
    rec[0].bot_frame(TONE, at_sample=800)
    caller, bot = finished(rec)
    assert len(caller) == len(bot) == 1600
    assert not bot[:320].any() and (bot[320:480] > 0).all() and not bot[480:800].any()
    assert (bot[800:960] > 0).all() and not bot[960:].any()


def test_a_frame_sent_over_an_earlier_one_replaces_it_and_the_track_grows_past_the_caller():
    rec = recorder()
    rec[0].caller_frame(mulaw.silence(20))
    rec[0].bot_frame(TONE, at_sample=0)
    rec[0].bot_frame(OTHER, at_sample=80)
    caller, bot = finished(rec)
    assert len(caller) == len(bot) == 240 and not caller.any()
    assert (bot[:80] > 0).all() and (bot[80:] < 0).all()


def test_a_clear_cuts_everything_sent_after_the_moment_it_happened():
    rec = recorder()
    for start in range(0, 1600, 160):
        rec[0].bot_frame(TONE, at_sample=start)
    rec[0].bot_cleared(at_sample=500)
    rec[0].bot_frame(OTHER, at_sample=2000)  # the next reply, later
    _, bot = finished(rec)
    assert (bot[:500] > 0).all() and not bot[500:2000].any() and (bot[2000:2160] < 0).all()


def test_settled_parts_leave_the_recorder_and_nothing_is_written_before_them():
    rec, parts = recorder(part_samples=800)
    for _ in range(10):
        rec.caller_frame(TONE)
    rec.bot_frame(TONE, at_sample=1000)
    rec.settle(bot_settled_sample=900)
    assert [p[2] for p in parts] == [900] and rec.caller_samples == 1600
    with pytest.raises(ValueError):
        rec.bot_frame(OTHER, at_sample=899)
    with pytest.raises(ValueError):
        rec.bot_cleared(at_sample=899)
    rec.settle(bot_settled_sample=1600)  # 700 more: under a part, held
    assert len(parts) == 1


class WholeCall:
    """The recording as it was made before parts: both tracks whole until the call ends."""

    def __init__(self) -> None:
        self.caller, self.bot = bytearray(), bytearray()

    def bot_frame(self, audio: bytes, at: int) -> None:
        if at > len(self.bot):
            self.bot += mulaw.silence_samples(at - len(self.bot))
        self.bot[at:at + len(audio)] = audio

    def wav(self) -> bytes:
        caller, bot = mulaw.decode(bytes(self.caller)), mulaw.decode(bytes(self.bot))
        end = max(len(caller), len(bot))
        return stereo_wav(np.pad(caller, (0, end - len(caller))), np.pad(bot, (0, end - len(bot))))


async def simulated_call(seed: int, archive: RecordingArchive, call_id: str) -> bytes:
    """A call on the session's clock, in samples: a caller frame every 160, replies sent up to 320
    ahead of playback (the playback lead), late frames (underruns) and barge-ins that clear at
    `now`; the streamed recording settles on every frame as the session does. Returns the WAV
    encoded the old way."""
    rng = random.Random(seed)
    recording = archive.open(call_id)
    rec, whole = recording.recorder, WholeCall()
    now = play_clock = 0
    speaking = 0  # frames of the current reply left to send
    for _ in range(rng.randint(400, 900)):  # 8-18 s
        frame = bytes(rng.randrange(256) for _ in range(160))
        rec.caller_frame(frame)
        whole.caller += frame
        if rec.part_due:
            rec.settle(min(play_clock, now))
        now += 160
        if not speaking and rng.random() < 0.05:
            speaking, play_clock = rng.randint(5, 120), max(play_clock, now + rng.choice([0, 0, 37]))
        while speaking and play_clock - 320 <= now:
            audio = bytes(rng.randrange(256) for _ in range(160))
            rec.bot_frame(audio, play_clock)
            whole.bot_frame(audio, play_clock)
            speaking -= 1
            late = rng.choice([0] * 20 + [90])  # the loop woke late: the next frame goes after now
            play_clock = max(play_clock, now + late) + 160
        if speaking and rng.random() < 0.02:  # barge-in
            rec.bot_cleared(now)
            del whole.bot[now:]
            speaking, play_clock = 0, now
    assert await recording.finish() == f"memory://recordings/{call_id}.wav"
    return whole.wav()


@pytest.mark.parametrize("seed", range(6))
def test_the_streamed_recording_is_byte_for_byte_the_whole_call_encoding(seed):
    store = MemoryBlobStore()
    archive = RecordingArchive(store, part_samples=4000)
    expected = asyncio.run(simulated_call(seed, archive, f"CA{seed}"))
    assert store.objects[f"CA{seed}.wav"] == expected
    assert store.list() == [f"CA{seed}.wav"]  # header and parts deleted


def test_a_call_holds_about_one_part_of_audio_however_long_it_lasts():
    store = MemoryBlobStore()
    recording = RecordingArchive(store, part_samples=8000).open("CAlong")
    rec, held = recording.recorder, []

    async def call() -> None:
        for n in range(3000):  # 60 s
            rec.caller_frame(TONE)
            rec.bot_frame(OTHER, n * 160)
            if rec.part_due:
                rec.settle(n * 160)
            held.append(rec.held_bytes)
        await recording.finish()

    asyncio.run(call())
    assert max(held) <= 2 * (8000 + 160)
    assert len(store.objects["CAlong.wav"]) == 44 + 3000 * 160 * 4


class FailingStore(MemoryBlobStore):
    def put(self, name: str, data: bytes, content_type: str) -> str:
        if name.endswith("00002.pcm"):
            raise OSError("storage unavailable")
        return super().put(name, data, content_type)


def test_a_part_that_could_not_be_stored_fails_the_recording_at_the_end():
    recording = RecordingArchive(FailingStore(), part_samples=800).open("CAfail")

    async def call() -> None:
        for _ in range(30):
            recording.recorder.caller_frame(TONE)
            recording.recorder.settle(10**9)
        await recording.finish()

    with pytest.raises(OSError, match="storage unavailable"):
        asyncio.run(call())
