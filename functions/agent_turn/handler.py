"""One agent turn: deduplicate, run the conversation graph on the input, publish what it says.

The graph's checkpoint is the dedupe record: the key of every handled input is part of the state
the checkpointer writes atomically, so a redelivered message finds its key and changes nothing.
Sentences are published as the graph produces them (`BotSpeech`, ordered segments); the last one
carries the directive. When the graph pauses for an action, the `ActionRequested` is published
and the matching `ActionCompleted` resumes it; inputs arriving meanwhile are queued in the state.
`published_key` records that a run's output was published, so a crash in between republishes it
(same message keys, so the relay and the action functions drop the copies).

A tentative utterance (a preemptive turn: the relay sent it on the STT's final, before it was sure
the caller had finished) runs at once, remembering the checkpoint it started from. Its replies are
published (the relay holds them) and actions that only read may run; an action that writes stays
pending, unpublished, and so does the call document's outcome, until the relay's `TurnSettled`.
Kept: the held action is published and the outcome written. Withdrawn: the conversation is forked
back from the checkpoint it started from, so the turn leaves nothing in it (its keys stay handled,
so a late copy of it changes nothing), and a result of its read action is then ignored as one the
call is not waiting for. A tentative utterance that comes while an action is pending runs nothing:
it waits in the state and joins the queue only if it is kept.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from callbot.agents.listening import expected_slot
from callbot.bus import Delivery, Publisher, entry
from callbot.errors import BadMessage
from callbot.logs import bind_call
from callbot.messages import (
    ActionCompleted,
    ActionRequested,
    BotSpeech,
    TurnInput,
    TurnSettled,
    UserUtterance,
)
from callbot.phrases import Phrase, phrase
from callbot.settings import AgentTurnSettings
from callbot.store import CallLog
from functions.agent_turn.inbound import inbound_of
from functions.agent_turn.outcome import outcome_changes

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 30


class TurnHandler:
    def __init__(self, graph: Any, publisher: Publisher, settings: AgentTurnSettings, call_log: CallLog,
                 clock=time.time) -> None:
        self._graph = graph
        self._publisher = publisher
        self._settings = settings
        self._log = call_log
        self._clock = clock

    def handle(self, delivery: Delivery) -> None:
        received_ms = self._now_ms()
        message = delivery.message
        if not isinstance(message, TurnInput):
            raise BadMessage(f"{message.type} does not belong on the turns topic")
        reusing = getattr(self._graph.checkpointer, "reusing_reads", nullcontext)
        with bind_call(message.call_id), reusing():  # the dedupe read serves the graph's first read
            if delivery.older_than(self._settings.max_message_age_s, self._clock):
                self.dead_letter(message.call_id, message.turn_seq, "older than max_message_age_s",
                                 message.model_dump_json())
                return
            config = {"configurable": {"thread_id": message.call_id},
                      "recursion_limit": self._settings.recursion_limit}
            snapshot = self._graph.get_state(config)
            state = snapshot.values
            pending = state.get("pending")
            tentative = _tentative(message, snapshot.config)
            if message.message_key in state.get("handled_keys", ()):
                self._redelivered(message, state, config)
            elif isinstance(message, TurnSettled):
                self._settle(message, config, state, received_ms)
            elif isinstance(message, ActionCompleted):
                if not pending or pending.get("request_id") != message.request_id:
                    log.warning("result of an action the call is not waiting for, ignored",
                                extra={"request_id": message.request_id})
                    return
                self._record_action(message, pending)
                self._run(message, Command(resume=_completion(message)), config, state, received_ms)
            elif pending and tentative is not None:
                tentative["deferred"] = inbound_of(message, self._settings.max_caller_text_chars)
                self._graph.update_state(config, {"tentative": tentative, "handled_keys": [message.message_key]})
                log.info("tentative input waits for the pending action and its settling",
                         extra={"turn_seq": message.turn_seq, "action": pending.get("action")})
            elif pending:
                inbound = inbound_of(message, self._settings.max_caller_text_chars)
                self._graph.update_state(config, {"queued": [inbound],
                                                  "handled_keys": [message.message_key]})
                log.info("input queued until the pending action completes",
                         extra={"turn_seq": message.turn_seq, "action": pending.get("action")})
                if self._overdue(pending):
                    log.error("no result for the pending action in time; giving it up",
                              extra={"action": pending.get("action"), "request_id": pending.get("request_id")})
                    self._run(message, Command(resume=_given_up(message.call_id, pending)), config, state,
                              received_ms)
            else:
                inbound = inbound_of(message, self._settings.max_caller_text_chars)
                graph_input = {"inbound": inbound} if tentative is None else {"inbound": inbound, "tentative": tentative}
                self._run(message, graph_input, config, state, received_ms)

    def _settle(self, message: TurnSettled, config: dict[str, Any], state: dict[str, Any], received_ms: int) -> None:
        """The relay kept or withdrew the tentative turn `message.turn_seq`."""
        tentative = state.get("tentative")
        if not tentative or tentative.get("turn_seq") != message.turn_seq:
            log.warning("settling of a turn that is not the tentative one, ignored", extra={"turn_seq": message.turn_seq})
            return
        settled = {"tentative": None, "handled_keys": [message.message_key]}
        deferred = tentative.get("deferred")
        if not message.kept:
            log.info("tentative turn withdrawn", extra={"turn_seq": message.turn_seq})
            if deferred is None and not tentative.get("before"):
                log.error("a withdrawn turn with no checkpoint before it stays in the conversation")
            elif deferred is None:  # it ran: fork the conversation back from where it started
                config = self._graph.update_state(_at(config, tentative["before"]), None, as_node="__copy__")
            self._graph.update_state(config, {**settled, "handled_keys": [tentative["key"], message.message_key]})
        elif deferred is not None and state.get("pending"):
            self._graph.update_state(config, {**settled, "queued": [deferred]})
        elif deferred is not None:  # the action it waited for completed meanwhile: answer it now
            self._run(message, {**settled, "inbound": deferred}, config, state, received_ms)
        else:
            self._graph.update_state(config, settled)
            changes = outcome_changes(self._graph.get_state(_at(config, tentative["before"])).values, state)
            if changes is not None:
                self._log.update_call(message.call_id, changes)
            pending = state.get("pending")
            if pending and not pending.get("reads_only"):
                log.info("tentative turn kept: its held action is requested", extra={"action": pending.get("action")})
                self._publish_request(message, pending, state).result(timeout=PUBLISH_TIMEOUT_S)

    def _run(self, message, graph_input: Any, config: dict[str, Any], before: dict[str, Any],
             received_ms: int) -> None:
        started = self._clock()
        futures, request, after, first_ms, said, llm_ms = [], None, before, None, None, 0.0
        try:
            for mode, data in self._graph.stream(graph_input, config, stream_mode=["custom", "updates", "values"]):
                if mode == "custom" and "llm_ms" in data:
                    llm_ms += data["llm_ms"] if first_ms is None else 0.0
                elif mode == "custom" and "say" in data:
                    said = data["say"]
                    futures.append(self._publish_segment(message, said, after))
                    first_ms = first_ms if first_ms is not None else round((self._clock() - started) * 1000)
                elif mode == "updates" and "__interrupt__" in data:
                    request = data["__interrupt__"][0].value
                elif mode == "values":
                    after = data
        except GraphRecursionError:
            log.error("graph step limit reached; apologising", extra={"turn_seq": message.turn_seq})
            futures += self._apologise(message, before, said)
        for future in futures:
            future.result(timeout=PUBLISH_TIMEOUT_S)
        run_ms = int((self._clock() - started) * 1000)
        self._record_run(message, after, run_ms, first_ms, len(futures), received_ms, round(llm_ms))
        tentative = after.get("tentative")
        changes = None if tentative else outcome_changes(before, after)
        if changes is not None:
            self._log.update_call(message.call_id, changes)
        if request is not None and tentative and not request.get("reads_only"):
            log.info("action held until the tentative turn is kept", extra={"action": request.get("action")})
        elif request is not None:
            # last before the ack: its result comes back on this call's ordered turns subscription,
            # which holds it until this delivery is acknowledged
            self._publish_request(message, request, after).result(timeout=PUBLISH_TIMEOUT_S)
        self._graph.update_state(config, {"published_key": message.message_key})
        log.info("turn done", extra={"turn_seq": message.turn_seq, "segments": len(futures), "run_ms": run_ms,
                                     "waiting_for": request and request.get("action")})

    def _redelivered(self, message, state: dict[str, Any], config: dict[str, Any]) -> None:
        if state.get("last_key") != message.message_key or state.get("published_key") == message.message_key:
            log.info("duplicate delivery ignored", extra={"message_key": message.message_key})
            return
        log.warning("output of a handled input was not published; publishing it again")
        futures = [self._publish_segment(message, segment, state) for segment in state.get("reply") or []]
        if state.get("pending"):
            futures.append(self._publish_request(message, state["pending"], state))
        for future in futures:
            future.result(timeout=PUBLISH_TIMEOUT_S)
        self._graph.update_state(config, {"published_key": message.message_key})

    def _publish_segment(self, message, segment: dict[str, Any], state: dict[str, Any] | None = None):
        """`state`: the conversation as it stood when the segment was spoken (what it listens for)."""
        return self._publisher.publish(BotSpeech(
            call_id=message.call_id, turn_seq=segment["turn"], relay_instance=message.relay_instance,
            segment=segment["segment"], text=segment["text"], is_last=segment["last"],
            end_call=segment["end_call"], transfer=segment["transfer"], sent_at_ms=self._now_ms(),
            listen_for=expected_slot(state) if state is not None else None))

    def _publish_request(self, message, request: dict[str, Any], state: dict[str, Any]):
        return self._publisher.publish(ActionRequested(
            call_id=message.call_id, turn_seq=state.get("reply_turn", message.turn_seq),
            relay_instance=message.relay_instance, request_id=request["request_id"], port=request["port"],
            action=request["action"], args=request.get("args") or {}, language=state.get("language") or "en-US",
            caller_number=state.get("caller_number", ""), sent_at_ms=self._now_ms()))

    def _apologise(self, message, state: dict[str, Any], said: dict[str, Any] | None) -> list:
        """The run was stopped: close the reply with the apology, after what was already said."""
        language = state.get("language") or "en-US"
        if said is not None:
            turn, first = said["turn"], said["segment"] + 1
        elif isinstance(message, ActionCompleted):
            turn, first = state.get("reply_turn", message.turn_seq), len(state.get("reply") or [])
        else:
            turn, first = message.turn_seq, 0
        lines = [phrase(Phrase.APOLOGY, language), phrase(Phrase.OFFER_HELP, language)]
        return [self._publish_segment(message, {"turn": turn, "segment": first + i, "text": text,
                                                "last": i == len(lines) - 1, "end_call": False, "transfer": False})
                for i, text in enumerate(lines)]

    def _record_action(self, message: ActionCompleted, pending: dict[str, Any]) -> None:
        """The action on the call's events: what was asked, what came back (each as JSON text of at
        most ACTION_RECORD_CHARS, for the call console), how long it took."""
        now = self._now_ms()
        self._log.record_event(message.call_id, f"action-{message.request_id}", {
            "kind": "action", "turn_seq": message.turn_seq, "port": message.port.value, "action": message.action,
            "ok": message.ok, "error": message.error or None, "action_ms": message.duration_ms,
            "round_trip_ms": now - message.requested_at_ms if message.requested_at_ms else None, "at_ms": now,
            "request": _as_record(pending.get("args") or {}), "result": _as_record(message.result)})

    def _record_run(self, message, state: dict[str, Any], run_ms: int, first_ms: int | None, published: int,
                    received_ms: int, llm_ms: int) -> None:
        key = getattr(message, "request_id", None) or f"{message.turn_seq:04d}"
        self._log.record_event(message.call_id, f"agent-{message.type}-{key}", {
            "kind": "agent_run", "turn_seq": message.turn_seq, "input": message.type, "run_ms": run_ms,
            "tentative": bool(getattr(message, "tentative", False)),
            "first_segment_ms": first_ms, "published": published, "agent": state.get("active_agent"),
            "llm_before_first_ms": llm_ms if first_ms is not None else None, "received_at_ms": received_ms,
            "at_ms": self._now_ms()})

    def _overdue(self, pending: dict[str, Any]) -> bool:
        requested = pending.get("requested_at")
        if not requested:
            return False
        return self._clock() - datetime.fromisoformat(requested).timestamp() > self._settings.action_timeout_s

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def dead_letter(self, call_id: str, turn_seq: int, reason: str, payload: str) -> None:
        entry.dead_letter(self._publisher, "agent_turn", call_id, turn_seq, reason, payload, int(self._clock() * 1000))


def _tentative(message, checkpoint: dict[str, Any]) -> dict[str, Any] | None:
    """The state's record of a tentative utterance, from the checkpoint it arrives on."""
    if not (isinstance(message, UserUtterance) and message.tentative):
        return None
    return {"turn_seq": message.turn_seq, "key": message.message_key, "deferred": None,
            "before": checkpoint.get("configurable", {}).get("checkpoint_id", "")}


def _at(config: dict[str, Any], checkpoint_id: str) -> dict[str, Any]:
    return {**config, "configurable": {**config["configurable"], "checkpoint_id": checkpoint_id}}


ACTION_RECORD_CHARS = 2000  # a knowledge search's passages are cut: the record says what came back, not all of it


def _as_record(value: dict[str, Any]) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= ACTION_RECORD_CHARS else text[:ACTION_RECORD_CHARS - 1] + "…"


def _given_up(call_id: str, pending: dict[str, Any]) -> dict[str, Any]:
    """The resume value for an action given up: a failure, under a key of its own (a late result
    for it is then ignored, as it no longer matches the pending request)."""
    return {"key": f"ActionGivenUp:{call_id}:{pending['request_id']}", "ok": False, "result": {},
            "error": "no result in time"}


def _completion(message: ActionCompleted) -> dict[str, Any]:
    return {"key": message.message_key, "ok": message.ok, "result": message.result, "error": message.error}
