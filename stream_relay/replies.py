"""Bot replies for the calls this instance holds, from its own subscription on the replies topic.

Each relay instance creates a subscription filtered on its `relay_instance` attribute when it
starts and deletes it when it stops (production subscriptions also expire when unused, so a crashed
instance leaves nothing behind for long). The emulator ignores filters, so `CallRegistry` also
drops replies of calls this instance does not hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from callbot import tracing
from callbot.bus import check_schema_attribute
from callbot.bus.entry import MAX_REASON_CHARS
from callbot.errors import BadMessage
from callbot.messages import BotSpeech, Topic, decode, reply_subscription

log = logging.getLogger(__name__)
Dispatch = Callable[[BotSpeech], None]


class ReplySource(Protocol):
    async def start(self, dispatch: Dispatch) -> None:
        """Begin delivering replies to `dispatch`, on the running event loop."""

    async def stop(self) -> None: ...


class PubSubReplySource:
    def __init__(self, project_id: str, relay_instance: str, subscriber: Any | None = None) -> None:
        self._project_id = project_id
        self._instance = relay_instance
        self._subscriber = subscriber
        self._streaming: Any = None
        self.subscription_path = f"projects/{project_id}/subscriptions/{reply_subscription(relay_instance)}"

    async def start(self, dispatch: Dispatch) -> None:
        from google.cloud import pubsub_v1

        loop = asyncio.get_running_loop()
        if self._subscriber is None:
            self._subscriber = pubsub_v1.SubscriberClient()
        await asyncio.to_thread(self._subscriber.create_subscription, request={
            "name": self.subscription_path,
            "topic": f"projects/{self._project_id}/topics/{Topic.REPLIES}",
            "filter": f'attributes.relay_instance = "{self._instance}"',
            "enable_message_ordering": True,
            "ack_deadline_seconds": 10,
            "expiration_policy": {"ttl": {"seconds": 86400}},
        })

        def on_message(message: Any) -> None:
            # never raise here: a nacked message comes straight back, and this subscription has no
            # dead-letter policy to stop it
            attributes = dict(message.attributes or {})
            call_id = str(attributes.get("call_id", ""))[:64] or None
            try:
                check_schema_attribute(attributes)
                reply = decode(message.data)
            except BadMessage as exc:
                log.error("undecodable reply acknowledged and dropped: %s", str(exc)[:MAX_REASON_CHARS],
                          extra={"call_id": call_id})
                message.ack()
                return
            message.ack()
            if isinstance(reply, BotSpeech):
                # the reply's arrival, in the trace of the turn it answers
                with tracing.continued(attributes, "reply received", call_id=reply.call_id, turn_seq=reply.turn_seq,
                                       segment=reply.segment):
                    loop.call_soon_threadsafe(dispatch, reply)
            else:
                log.warning("%s on the replies topic ignored", reply.type, extra={"call_id": reply.call_id})

        flow = pubsub_v1.types.FlowControl(max_messages=1000)
        self._streaming = self._subscriber.subscribe(self.subscription_path, on_message, flow_control=flow)
        log.info("listening for replies", extra={"subscription": self.subscription_path})

    async def stop(self) -> None:
        if self._streaming is not None:
            self._streaming.cancel()
            await asyncio.to_thread(self._streaming.result, 10)
        if self._subscriber is not None:
            await asyncio.to_thread(self._subscriber.delete_subscription,
                                    request={"subscription": self.subscription_path})
            self._subscriber.close()


class CallRegistry:
    """The calls this instance holds, by call id. `busy` is set while it holds at least `busy_from`
    calls (the event loop works in rounds only then, `stream_relay/loop_rounds.py`)."""

    def __init__(self, busy_from: int = 1) -> None:
        self.sessions: dict[str, Any] = {}
        self._busy_from = busy_from
        self.busy = asyncio.Event()
        self._update_busy()

    def add(self, session: Any) -> None:
        self.sessions[session.call_id] = session
        self._update_busy()

    def remove(self, call_id: str) -> None:
        self.sessions.pop(call_id, None)
        self._update_busy()

    def _update_busy(self) -> None:
        if len(self.sessions) >= self._busy_from:
            self.busy.set()
        else:
            self.busy.clear()

    def deliver(self, speech: BotSpeech) -> None:
        session = self.sessions.get(speech.call_id)
        if session is None:
            log.debug("reply for a call this instance does not hold dropped",
                      extra={"call_id": speech.call_id})
            return
        session.on_bot_speech(speech)
