"""The call's timers: caller silence after the bot has finished speaking (reprompt, then goodbye)
and the maximum call duration (a polite wrap-up). Durations are settings; actions are callbacks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
Action = Callable[[], Awaitable[None]]


class CallTimers:
    def __init__(self, reprompt_s: float, hangup_s: float, max_call_s: float, on_reprompt: Action,
                 on_silence_hangup: Action, on_max_duration: Action) -> None:
        self._reprompt_s, self._hangup_s = reprompt_s, hangup_s
        self._on_reprompt, self._on_silence_hangup = on_reprompt, on_silence_hangup
        self._silence: asyncio.Task | None = None
        self._reprompted = False
        self._max = asyncio.get_running_loop().call_later(
            max_call_s, lambda: asyncio.ensure_future(on_max_duration()))

    def bot_finished(self) -> None:
        """The caller has heard the end of what the bot said: start counting silence."""
        self.caller_active()
        self._silence = asyncio.ensure_future(self._wait_silence())

    def reprompt_finished(self) -> None:
        """The reprompt has been heard: the next silence ends the call."""
        self._cancel_silence()
        self._silence = asyncio.ensure_future(self._wait_silence())

    def caller_active(self) -> None:
        """The caller spoke or pressed a key: the silence count starts over."""
        self._reprompted = False
        self._cancel_silence()

    def bot_started(self) -> None:
        self._cancel_silence()

    def _cancel_silence(self) -> None:
        if self._silence is not None and not self._silence.done() and self._silence is not asyncio.current_task():
            self._silence.cancel()
        self._silence = None

    async def _wait_silence(self) -> None:
        if not self._reprompted:
            await asyncio.sleep(self._reprompt_s)
            self._reprompted = True
            await self._on_reprompt()
        else:
            await asyncio.sleep(self._hangup_s)
            await self._on_silence_hangup()

    def cancel(self) -> None:
        self._cancel_silence()
        self._max.cancel()
