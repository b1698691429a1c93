"""A whole conversation in one process: agent_turn's handler on the offline dialogue engine, with
the three action functions' handlers (in-memory demo-company adapters) answering its requests at
once. The same dialogue as an end-to-end scenario, without audio, processes or emulators."""

from __future__ import annotations

from datetime import UTC, datetime

from langgraph.checkpoint.memory import InMemorySaver

from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings
from callbot.agents.graph import build_graph
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.llm.offline import OfflineDialogueModel
from callbot.messages import (
    ActionCompleted,
    ActionPort,
    ActionRequested,
    BotSpeech,
    CallStarted,
    UserUtterance,
)
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from devtools.demo_company import demo_calendar, demo_crm, demo_knowledge
from functions.agent_turn.handler import TurnHandler
from functions.calendar_action import operations as calendar_operations
from functions.crm_action import operations as crm_operations
from functions.knowledge_action import operations as knowledge_operations


class Conversation:
    def __init__(self, call_id: str = "CAconv", caller: str = "+14155550123", language: str = "en-US") -> None:
        self.call_id, self.caller, self.language, self.turn = call_id, caller, language, 0
        self.publisher = RecordingPublisher()
        self.call_log = MemoryCallLog()
        settings = AgentTurnSettings()
        model = OfflineDialogueModel(company_name=settings.company_name)
        self.handler = TurnHandler(build_graph(InMemorySaver(), model, settings), self.publisher,
                                   settings, self.call_log)
        clock = lambda: datetime.now(UTC)
        self.calendar = demo_calendar(clock)  # the calendar_action process's own copy of the demo data
        ports = {ActionPort.CRM: crm_operations.bind(demo_crm(demo_calendar(clock))),
                 ActionPort.CALENDAR: calendar_operations.bind(self.calendar, clock),
                 ActionPort.KNOWLEDGE: knowledge_operations.bind(demo_knowledge())}
        self.actions = {port: ActionHandler(port, ops, self.publisher, ActionSettings()) for port, ops in ports.items()}
        self._deliver(CallStarted(call_id=call_id, turn_seq=0, relay_instance="r", from_number=caller,
                                  language=language))

    def say(self, text: str) -> list[str]:
        """The caller says `text`; what the bot says back (every segment of the reply)."""
        self.turn += 1
        return self._deliver(UserUtterance(call_id=self.call_id, turn_seq=self.turn, relay_instance="r", text=text))

    def _deliver(self, message) -> list[str]:
        start = len(self.publisher.published)
        self.handler.handle(Delivery(message, "1", None))
        while True:  # answer every action request the turn made, as the action functions would
            requests = [m for m in self.publisher.published[start:] if isinstance(m, ActionRequested)]
            answered = {m.request_id for m in self.publisher.published[start:] if isinstance(m, ActionCompleted)}
            pending = [r for r in requests if r.request_id not in answered]
            if not pending:
                break
            self.actions[pending[0].port].handle(Delivery(pending[0], "1", None))
            completion = self.publisher.published[-1]
            self.handler.handle(Delivery(completion, "1", None))
        return [m.text for m in self.publisher.published[start:] if isinstance(m, BotSpeech)]

    @property
    def state(self) -> dict:
        return self.handler._graph.get_state({"configurable": {"thread_id": self.call_id}}).values
