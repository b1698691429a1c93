"""Per-turn latency, measured by the relay and recorded on the call's events so it can be charted:
from the end of the caller's speech to the first bot audio, split by where the time went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class TurnTiming:
    """Wall-clock milestones of one turn, ms since the epoch (agent_sent_ms is the function's clock)."""

    turn_seq: int
    speech_ended_ms: int  # end of the last speech frame
    endpointed_ms: int  # when the endpointer closed the utterance
    transcribed_ms: int = 0
    published_ms: int = 0  # the UserUtterance was accepted by Pub/Sub
    agent_sent_ms: int = 0  # agent_turn published the first reply segment
    reply_received_ms: int = 0  # the first reply segment reached this relay
    tts_ready_ms: int = 0  # its audio was synthesized (or found in the audio cache)
    first_audio_ms: int = 0  # its first frame was sent to Twilio
    span: Any = None  # the turn's trace span (callbot.tracing), begun at speech_ended_ms
    preemptive: bool = False  # sent on the STT's final before the turn closed: endpointed_ms is when it was sent

    def breakdown(self) -> dict[str, int | None]:
        """Stages in ms; they add up to `total_ms` (`tts_ms` + `playback_ms` split `tts_and_playback_ms`)."""
        return {
            "turn_seq": self.turn_seq,
            "endpointing_ms": self.endpointed_ms - self.speech_ended_ms,
            "stt_ms": self.transcribed_ms - self.endpointed_ms,
            "publish_ms": self.published_ms - self.transcribed_ms,
            "bus_and_agent_ms": self.agent_sent_ms - self.published_ms,
            "reply_bus_ms": self.reply_received_ms - self.agent_sent_ms,
            "tts_and_playback_ms": self.first_audio_ms - self.reply_received_ms,
            "tts_ms": max(0, self.tts_ready_ms - self.reply_received_ms) if self.tts_ready_ms else None,
            "playback_ms": self.first_audio_ms - max(self.tts_ready_ms, self.reply_received_ms)
            if self.tts_ready_ms else None,
            "total_ms": self.first_audio_ms - self.speech_ended_ms,
        }
