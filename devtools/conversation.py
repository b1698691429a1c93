"""A whole conversation in one process, at the text level: agent_turn's handler (the same graph and
agents) on a chat model, with the three action functions' handlers (in-memory demo-company
adapters) answering its requests at once. The same dialogue as a call through the local stack,
without audio, processes or emulators: a scenario runs in a fraction of a second on the offline
engine, and a real model can be evaluated without the real-time pacing of a call."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings
from callbot.agents.graph import build_graph
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.call_document import CallDocument
from callbot.llm.offline import OfflineDialogueModel
from callbot.messages import (
    ActionCompleted,
    ActionPort,
    ActionRequested,
    BotSpeech,
    CallStarted,
    DtmfReceived,
    UserUtterance,
)
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from devtools.demo_company import demo_calendar, demo_crm, demo_knowledge, knowledge_base
from devtools.simcall import scenario as scenarios
from devtools.simcall.report import _outcome
from functions.agent_turn.handler import TurnHandler
from functions.calendar_action import operations as calendar_operations
from functions.crm_action import operations as crm_operations
from functions.knowledge_action import operations as knowledge_operations

TRANSFER_NUMBER = "+14155550100"  # what the relay records when it hands the call over
KNOWLEDGE = {"keyword": demo_knowledge, "hybrid": knowledge_base}  # the knowledge bases a conversation can search


class Conversation:
    """One call: `say` what the caller says, get back what the bot says."""

    def __init__(self, call_id: str = "CAconv", caller: str = "+14155550123", language: str = "en-US",
                 model: Any = None, settings: AgentTurnSettings | None = None,
                 clock: Callable[[], datetime] | None = None, knowledge: str = "keyword") -> None:
        """`knowledge`: `keyword`, the seed's documents scored by keywords (`callbot/knowledge/memory.py`),
        or `hybrid`, `knowledge_base/` searched as the local stack searches it (`demo_company.knowledge_base`)."""
        self.call_id, self.caller, self.language, self.turn = call_id, caller, language, 0
        self.publisher = RecordingPublisher()
        self.call_log = MemoryCallLog()
        self.settings = settings or AgentTurnSettings()
        model = model or OfflineDialogueModel(company_name=self.settings.company_name)
        clock = clock or (lambda: datetime.now(UTC))
        self.handler = TurnHandler(build_graph(InMemorySaver(), model, self.settings, clock), self.publisher,
                                   self.settings, self.call_log)
        self.calendar = demo_calendar(clock)  # the calendar_action process's own copy of the demo data
        ports = {ActionPort.CRM: crm_operations.bind(demo_crm(demo_calendar(clock))),
                 ActionPort.CALENDAR: calendar_operations.bind(self.calendar, clock),
                 ActionPort.KNOWLEDGE: knowledge_operations.bind(KNOWLEDGE[knowledge]())}
        self.actions = {port: ActionHandler(port, ops, self.publisher, ActionSettings()) for port, ops in ports.items()}
        self.run_seconds: list[float] = []  # agent_turn handler runs (LLM steps included), one per delivery
        self.lines: list[str] = []
        self.said: list[str] = []
        self.hung_up = False  # the caller hung up before the bot ended the call
        self._record(self._deliver(CallStarted(call_id=call_id, turn_seq=0, relay_instance="r",
                                                         from_number=caller, language=language)))

    def say(self, text: str) -> list[str]:
        """The caller says `text`; what the bot says back (every segment of the reply)."""
        self.turn += 1
        return self._record(self._deliver(UserUtterance(call_id=self.call_id, turn_seq=self.turn,
                                                        relay_instance="r", text=text)), heard=text)

    def press(self, digits: str) -> list[str]:
        said: list[str] = []
        for digit in digits:
            self.turn += 1
            said += self._deliver(DtmfReceived(call_id=self.call_id, turn_seq=self.turn, relay_instance="r",
                                               digit=digit))
        return self._record(said, heard=f"[pressed {digits}]")

    def _record(self, said: list[str], heard: str = "") -> list[str]:
        self.lines += [f"caller: {heard}"] if heard else []
        self.lines += [f"bot: {text}" for text in said]
        self.said += said
        return said

    def transcript(self) -> list[str]:
        """The call as lines, "caller: ..." and "bot: ...", in order."""
        return list(self.lines)

    def _handle(self, message: Any) -> None:
        started = time.perf_counter()
        self.handler.handle(Delivery(message, "1", None))
        self.run_seconds.append(time.perf_counter() - started)

    def _deliver(self, message: Any) -> list[str]:
        start = len(self.publisher.published)
        self._handle(message)
        while True:  # answer every action request the turn made, as the action functions would
            requests = [m for m in self.publisher.published[start:] if isinstance(m, ActionRequested)]
            answered = {m.request_id for m in self.publisher.published[start:] if isinstance(m, ActionCompleted)}
            pending = [r for r in requests if r.request_id not in answered]
            if not pending:
                break
            self.actions[pending[0].port].handle(Delivery(pending[0], "1", None))
            self._handle(self.publisher.published[-1])
        return [m.text for m in self.publisher.published[start:] if isinstance(m, BotSpeech)]

    @property
    def state(self) -> dict:
        return self.handler._graph.get_state({"configurable": {"thread_id": self.call_id}}).values

    @property
    def ended(self) -> bool:
        state = self.state
        return bool(state.get("transfer") or state.get("end_call"))

    def report(self) -> dict[str, Any]:
        """What a call report holds of this conversation, for `devtools.simcall.expectations.check`."""
        state = self.state
        call = self.call_log.document(self.call_id) or CallDocument()
        if state.get("transfer"):
            call.transferred_to = TRANSFER_NUMBER
        ended_by = "transfer" if state.get("transfer") else "caller" if self.hung_up else \
            "bot" if state.get("end_call") else "caller"
        return {"errors": [], "ended_by": ended_by, "outcome": _outcome(call),
                "transcript": [{"speaker": "bot", "text": text} for text in self.said]}


def converse(scenario: scenarios.Scenario, call_id: str = "CAtext", model: Any = None,
             settings: AgentTurnSettings | None = None, knowledge: str = "keyword",
             clock: Callable[[], datetime] | None = None) -> Conversation:
    """`scenario`'s caller steps said to a new conversation, until the call ends (audio steps,
    pauses and waits mean nothing at the text level; a barge-in's words are said). `clock`: the
    call's "now" for the agents and the calendar (the machine's clock when None). A caller who hangs up
    right after speaking ("Bye." then hang up) hangs up before the bot's reply, as on a call."""
    conversation = Conversation(call_id=call_id, caller=scenario.caller_number, language=scenario.language,
                                model=model, settings=settings, knowledge=knowledge, clock=clock)
    for step, following in zip(scenario.steps, [*scenario.steps[1:], None]):
        if conversation.ended:
            break
        if isinstance(step, (scenarios.Say, scenarios.BargeIn)):  # (a backchannel is not a turn)
            conversation.say(step.text)
        elif isinstance(step, scenarios.Dtmf):
            conversation.press(step.digits)
        elif isinstance(step, (scenarios.Hangup, scenarios.Drop)):
            conversation.hung_up = True
            break
        if isinstance(following, (scenarios.Hangup, scenarios.Drop)) and not conversation.state.get("transfer"):
            conversation.hung_up = True
            break
    return conversation


TEXT_LEVEL_EXPECTATIONS = ("ended_by", "errors", "outcome", "bot_says", "bot_never_says")


def text_level(expect: dict[str, Any]) -> dict[str, Any]:
    """The expectations a text-level conversation can be held to (no post-call pipeline runs)."""
    return {k: v for k, v in expect.items() if k in TEXT_LEVEL_EXPECTATIONS}
