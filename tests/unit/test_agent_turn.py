"""agent_turn with fakes: the conversation graph on an in-memory checkpointer, a scripted chat
model that replays tool calls, a recording publisher and an in-memory call log."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cloudevents.http import CloudEvent
from functions_framework import create_app
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from callbot.agents.action_tools import ActionContext
from callbot.agents.calendar.tools import ACTIONS
from callbot.agents.graph import build_graph
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.messages import (
    ActionRequested,
    BotInterrupted,
    BotSpeech,
    CallStarted,
    DeadLettered,
    DtmfReceived,
    Topic,
    TurnSettled,
    UserUtterance,
    encode,
)
from callbot.phrases import Phrase, phrase
from callbot.settings import AgentTurnSettings
from callbot.store.call_log import MemoryCallLog
from functions.agent_turn import bootstrap
from functions.agent_turn.handler import TurnHandler
from tests.fakes.chat import ScriptedChatModel, call
from tests.support.actions import complete


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def model():
    return ScriptedChatModel(script=[])


@pytest.fixture
def settings():
    return AgentTurnSettings(first_sentence_timeout_s=5, llm_timeout_s=5)


@pytest.fixture
def call_log():
    return MemoryCallLog()


@pytest.fixture
def handler(publisher, model, settings, call_log):
    return TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, call_log)


def deliver(handler, message, published_at=None):
    handler.handle(Delivery(message=message, message_id="1", published_at=published_at))


def said(publisher, since=0):
    return [(m.turn_seq, m.segment, m.text, m.is_last) for m in publisher.of_type(BotSpeech)[since:]]


def state(handler, call_id):
    return handler._graph.get_state({"configurable": {"thread_id": call_id}}).values


def start(handler, publisher, call_id, caller=None, language="en-US"):
    deliver(handler, CallStarted(call_id=call_id, turn_seq=0, relay_instance="r1", from_number="+14155550123",
                                 language=language))
    deliver(handler, complete(publisher.of_type(ActionRequested)[-1], caller=caller))


def test_the_greeting_plays_while_the_crm_looks_the_caller_up(handler, publisher, model):
    deliver(handler, CallStarted(call_id="CA1", turn_seq=0, relay_instance="r1", from_number="+14155550123"))
    assert said(publisher) == [(0, 0, "Hello, and thanks for calling.", False)]
    [lookup] = publisher.of_type(ActionRequested)
    assert (lookup.port, lookup.action, lookup.args, lookup.topic) == ("crm", "find_caller",
                                                                      {"phone": "+14155550123"}, Topic.CRM_ACTIONS)
    deliver(handler, complete(lookup, caller=None))
    assert said(publisher, 1) == [(0, 1, "How can I help you today?", True)]
    assert model.calls == []  # no LLM on the way in


def test_a_known_caller_is_welcomed_by_name_and_their_meeting_is_in_state(handler, publisher, call_log):
    meeting = {"id": "m1", "start": "2026-12-01T15:00:00+00:00", "end": "2026-12-01T15:30:00+00:00",
               "timezone": "America/New_York", "rep": "Alex Kim", "status": "booked"}
    start(handler, publisher, "CA2", caller={"id": "003A", "first_name": "Sam", "last_name": "Rivera",
                                            "email": "sam@example.com", "meetings": [meeting]})
    assert [t for _, _, t, _ in said(publisher, 1)] == ["Welcome back, Sam.", "How can I help you today?"]
    values = state(handler, "CA2")
    assert values["meeting"]["id"] == "m1" and values["lead_id"] == "003A" and values["lead"]["first_name"] == "Sam"
    call = call_log.document("CA2")  # and on the call document
    assert (call.meeting.id, call.meeting.booked, call.lead_id, call.outcome.known_caller) == ("m1", True, "003A", "003A")


def test_a_reply_is_published_sentence_by_sentence_and_the_last_closes_it(handler, publisher, model):
    start(handler, publisher, "CA3")
    model.script += [AIMessage("Sure. We help sales teams answer every call. What's your name?")]
    deliver(handler, UserUtterance(call_id="CA3", turn_seq=1, relay_instance="r1", text="Hi there"))
    assert said(publisher, 2) == [(1, 0, "Sure.", False), (1, 1, "We help sales teams answer every call.", False),
                                  (1, 2, "What's your name?", True)]


def test_a_handover_to_the_knowledge_specialist_says_the_filler_before_its_llm_step(publisher, settings, call_log):
    heard = []

    class Watching(ScriptedChatModel):
        def _next(self, messages):
            heard.append([m.text for m in publisher.of_type(BotSpeech)])
            return super()._next(messages)

    model = Watching(script=[])
    handler = TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, call_log)
    start(handler, publisher, "CA40")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA40", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    lead_step, knowledge_step = heard[-2:]
    assert "One moment, let me check." not in lead_step
    assert knowledge_step[-1] == "One moment, let me check."  # already sent while the specialist thinks
    assert said(publisher, 2) == [(1, 0, "One moment, let me check.", False)]  # once, not again at the action


def test_an_action_tool_pauses_the_graph_with_a_filler_and_resumes_with_the_result(handler, publisher, model):
    start(handler, publisher, "CA4")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA4", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    assert said(publisher, 2) == [(1, 0, "One moment, let me check.", False)]
    request = publisher.of_type(ActionRequested)[-1]
    assert (request.topic, request.request_id, request.args) == (Topic.KNOWLEDGE_ACTIONS, "q1", {"question": "price?"})
    model.script += [AIMessage("It's 49 dollars per user per month. That's from our Pricing page.")]
    deliver(handler, complete(request, passages=[{"text": "49 dollars per user per month", "source": "pricing.md",
                                                   "title": "Pricing", "score": 0.8}]))
    assert said(publisher, 3) == [(1, 1, "It's 49 dollars per user per month.", False),
                                  (1, 2, "That's from our Pricing page.", True)]
    values = state(handler, "CA4")
    assert values["knowledge_sources"] == ["pricing.md"] and values["pending"] is None
    assert values["active_agent"] == "lead"  # answered: the caller's next words go back to the lead
    tool = [m for m in values["messages"] if isinstance(m, ToolMessage) and m.tool_call_id == "q1"]
    assert json.loads(tool[0].content)["passages"][0]["source"] == "pricing.md"


def test_a_question_the_passages_found_do_not_answer_is_noted_for_a_specialist(handler, publisher, model):
    start(handler, publisher, "CA4n")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "on-premise?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA4n", turn_seq=1, relay_instance="r1", text="Can we run it on-premise?"))
    request = publisher.of_type(ActionRequested)[-1]
    model.script += [call("note_unanswered", {"question": "Can it run on-premise?"}, "n1"),
                     call("note_unanswered", {"question": "Is there a mobile app?"}, "n2"),
                     AIMessage("I don't know that. A specialist will follow up.")]
    deliver(handler, complete(request, passages=[{"text": "We are based in New York.", "source": "company.md"}]))
    values = state(handler, "CA4n")
    assert values["unanswered_questions"] == ["Can it run on-premise?", "Is there a mobile app?"]  # both kept
    assert values["knowledge_sources"] == ["company.md"]
    assert said(publisher, 3)[-1][2] == "A specialist will follow up."


def test_an_action_is_recorded_with_what_was_asked_and_what_came_back(handler, publisher, model, call_log):
    start(handler, publisher, "CA4b")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA4b", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    request = publisher.of_type(ActionRequested)[-1]
    model.script += [AIMessage("It's 49 dollars per user per month.")]
    deliver(handler, complete(request, passages=[{"text": "49 dollars " + "per user " * 400, "source": "pricing.md"}]))
    event = call_log.events["CA4b"]["action-q1"]
    assert (event["kind"], event["port"], event["action"], event["ok"]) == ("action", "knowledge", "search_knowledge", True)
    assert json.loads(event["request"]) == {"question": "price?"}
    assert event["result"].startswith('{"passages": [{"source": "pricing.md", "text": "49 dollars per user')
    assert len(event["result"]) == 2000 and event["result"].endswith("…")  # a long result is cut


def test_a_redelivered_or_unexpected_action_result_does_nothing(handler, publisher, model):
    start(handler, publisher, "CA5")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "x"}, "q1"),
                     AIMessage("Answer.")]
    deliver(handler, UserUtterance(call_id="CA5", turn_seq=1, relay_instance="r1", text="question?"))
    request = publisher.of_type(ActionRequested)[-1]
    stranger = complete(request, passages=[]).model_copy(update={"request_id": "not-pending"})
    deliver(handler, stranger)
    assert state(handler, "CA5")["pending"]["request_id"] == "q1"
    deliver(handler, complete(request, passages=[]))
    count = len(publisher.published)
    deliver(handler, complete(request, passages=[]))  # redelivered
    assert len(publisher.published) == count and model.script == []


def test_an_utterance_during_an_action_is_kept_and_answered_once_after_it(handler, publisher, model):
    start(handler, publisher, "CA6")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA6", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    request = publisher.of_type(ActionRequested)[-1]
    later = UserUtterance(call_id="CA6", turn_seq=2, relay_instance="r1", text="And is there a trial?")
    deliver(handler, later)
    deliver(handler, later)  # redelivered while still waiting
    assert said(publisher, 3) == [] and [q["text"] for q in state(handler, "CA6")["queued"]] == [later.text]
    model.script += [AIMessage("It's 49 dollars. I don't know about a trial.")]
    deliver(handler, complete(request, passages=[]))
    # the reply belongs to the latest turn, so the relay (which dropped turn 1 when turn 2 began) plays it
    assert said(publisher, 3) == [(2, 0, "It's 49 dollars.", False), (2, 1, "I don't know about a trial.", True)]
    history = [m.content for m in model.calls[-1][1:]]
    assert history[-1] == "And is there a trial?" and history.count("And is there a trial?") == 1
    assert state(handler, "CA6")["queued"] == [] and state(handler, "CA6")["unanswered_questions"] == ["price?"]
    deliver(handler, later)
    assert model.script == [] and len(said(publisher)) == 5


def test_details_are_recorded_in_typed_state(handler, publisher, model, call_log):
    start(handler, publisher, "CA7")
    model.script += [call("record_details", {"first_name": "Liam", "last_name": "O'Brien",
                                             "email": " Liam+Calls@Example.org "}),
                     AIMessage("Thanks, Liam. What company are you with?")]
    deliver(handler, UserUtterance(call_id="CA7", turn_seq=1, relay_instance="r1", text="I'm Liam O'Brien, liam plus calls at example dot org"))
    lead = state(handler, "CA7")["lead"]
    assert lead == {"first_name": "Liam", "last_name": "O'Brien", "email": "liam+calls@example.org",
                    "email_confirmed": False, "name_confirmed": False}
    result = json.loads([m for m in model.calls[-1] if isinstance(m, ToolMessage)][-1].content)
    assert result["missing"][:2] == ["company", "role"] and "email_confirmed" in result["missing"]
    assert call_log.document("CA7").outcome.qualification["last_name"] == "O'Brien"


def test_save_lead_sends_the_collected_fields_to_the_crm_and_a_name_only_once_confirmed(handler, publisher, model):
    start(handler, publisher, "CA8")
    model.script += [call("record_details", {"first_name": "Dana", "company": "Acme", "consent": True}),
                     call("save_lead", {}, "s1")]
    deliver(handler, UserUtterance(call_id="CA8", turn_seq=1, relay_instance="r1", text="Dana from Acme, yes"))
    request = publisher.of_type(ActionRequested)[-1]
    assert request.action == "save_lead" and request.args == {  # (the name heard is not confirmed: not sent)
        "lead": {"company": "Acme", "consent": True}, "phone": "+14155550123"}
    model.script += [AIMessage("You're all set.")]
    deliver(handler, complete(request, lead={"id": "00Q1"}))
    assert state(handler, "CA8")["lead_id"] == "00Q1"
    model.script += [call("record_details", {"name_confirmed": True}), call("save_lead", {}, "s2")]
    deliver(handler, UserUtterance(call_id="CA8", turn_seq=2, relay_instance="r1", text="Yes, Dana is right"))
    again = publisher.of_type(ActionRequested)[-1]
    assert again.args["lead"] == {"first_name": "Dana", "company": "Acme", "consent": True}


def test_the_human_digit_hands_over_without_the_llm(handler, publisher, model):
    start(handler, publisher, "CA9")
    deliver(handler, DtmfReceived(call_id="CA9", turn_seq=1, relay_instance="r1", digit="0"))
    [notice] = publisher.of_type(BotSpeech)[2:]
    assert notice.transfer and notice.is_last and notice.text.startswith("Let me connect you")
    assert model.calls == [] and state(handler, "CA9")["handoff_reason"] == "caller pressed 0"


def test_handover_and_goodbye_tools_end_with_their_directive(handler, publisher, model):
    start(handler, publisher, "CA10")
    model.script += [call("transfer_to_human", {"reason": "wants a person"})]
    deliver(handler, UserUtterance(call_id="CA10", turn_seq=1, relay_instance="r1", text="A person please"))
    assert publisher.of_type(BotSpeech)[-1].transfer
    start(handler, publisher, "CA11")
    model.script += [AIMessage("Thanks for your time!", tool_calls=[{"name": "end_call", "args": {}, "id": "e"}])]
    deliver(handler, UserUtterance(call_id="CA11", turn_seq=1, relay_instance="r1", text="Bye"))
    *_, thanks, goodbye = publisher.of_type(BotSpeech)
    assert (thanks.text, thanks.is_last) == ("Thanks for your time!", False)
    assert goodbye.end_call and goodbye.is_last and goodbye.text == "Thanks for calling. Goodbye!"


def test_a_barge_in_cuts_the_reply_in_the_history_to_what_was_heard(handler, publisher, model):
    start(handler, publisher, "CA12")
    model.script += [AIMessage("We have many plans. Let me explain each of them.")]
    deliver(handler, UserUtterance(call_id="CA12", turn_seq=1, relay_instance="r1", text="Tell me everything"))
    count = len(publisher.published)
    deliver(handler, BotInterrupted(call_id="CA12", turn_seq=1, relay_instance="r1", heard="We have many"))
    last = state(handler, "CA12")["messages"][-1]
    assert last.content == "We have many" and last.additional_kwargs["interrupted"]
    assert len(publisher.published) == count  # nothing is said in answer to a barge-in


def test_llm_failure_and_timeout_are_answered_with_an_apology_and_an_offer(publisher, call_log):
    settings = AgentTurnSettings(first_sentence_timeout_s=0.05, llm_timeout_s=0.3)
    model = ScriptedChatModel(script=[RuntimeError("quota"), ("sleep", 1.0, AIMessage("Too late.")),
                                      ("sleep", 0.15, AIMessage("Here it is."))])
    handler = TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, call_log)
    start(handler, publisher, "CA13")
    for turn in (1, 2, 3):
        deliver(handler, UserUtterance(call_id="CA13", turn_seq=turn, relay_instance="r1", text="hello"))
    by_turn = {t: [(text, last) for seq, _, text, last in said(publisher) if seq == t] for t in (1, 2, 3)}
    offer = ("I can connect you with a colleague, or have someone call you back. Which would you prefer?", True)
    assert by_turn[1] == [("Sorry, I'm having trouble right now.", False), offer]
    assert by_turn[2] == [("One moment, let me check.", False), ("Sorry, I'm having trouble right now.", False),
                          offer]  # the filler while waiting, then the timeout
    assert by_turn[3] == [("One moment, let me check.", False), ("Here it is.", True)]


def test_a_tool_call_loop_is_stopped_by_the_step_limit(publisher, call_log):
    settings = AgentTurnSettings(max_agent_steps=3)
    # a new call each step (a repeated one would end in a step without tools: test_model_safeguards.py)
    model = ScriptedChatModel(script=[call("record_details", {"need": f"need {i}"}, f"t{i}") for i in range(10)])
    handler = TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, call_log)
    start(handler, publisher, "CA14")
    deliver(handler, UserUtterance(call_id="CA14", turn_seq=1, relay_instance="r1", text="loop"))
    assert len(model.calls) == 3
    assert said(publisher)[-1][2:] == (phrase(Phrase.OFFER_HELP, "en-US"), True)


def test_a_failed_action_is_told_to_the_agent_which_apologises(handler, publisher, model):
    start(handler, publisher, "CA15")
    model.script += [call("transfer_to_calendar"), call("find_slots", {}, "f1")]
    deliver(handler, UserUtterance(call_id="CA15", turn_seq=1, relay_instance="r1", text="book a demo"))
    request = publisher.of_type(ActionRequested)[-1]
    assert request.args["count"] == 3 and request.args["now"].endswith("-05:00")
    model.script += [AIMessage("Sorry, I couldn't check the calendar.")]
    deliver(handler, complete(request).model_copy(update={"ok": False, "error": "calendar unavailable"}))
    tool = [m for m in model.calls[-1] if isinstance(m, ToolMessage)][-1]
    assert json.loads(tool.content) == {"error": "calendar unavailable"}


def test_output_lost_before_publishing_is_published_on_redelivery(handler, publisher, model):
    start(handler, publisher, "CA16")
    model.script += [AIMessage("One. Two.")]
    utterance = UserUtterance(call_id="CA16", turn_seq=1, relay_instance="r1", text="hello")
    publisher.fail_next = [TimeoutError("pubsub unavailable")]
    with pytest.raises(TimeoutError):
        deliver(handler, utterance)
    deliver(handler, utterance)
    count = len(publisher.published)
    deliver(handler, utterance)
    assert len(publisher.published) == count  # once published, a redelivery publishes nothing
    assert sorted({m.message_key for m in publisher.of_type(BotSpeech) if m.turn_seq == 1}) == [
        "BotSpeech:CA16:1:0", "BotSpeech:CA16:1:1"]


def test_the_greeting_follows_the_call_language(handler, publisher):
    deliver(handler, CallStarted(call_id="CA17", turn_seq=0, relay_instance="r1", language="fr-FR"))
    assert publisher.of_type(BotSpeech)[0].text == "Bonjour, et merci de votre appel."


def test_a_message_older_than_the_limit_is_dead_lettered_not_answered(handler, publisher):
    old = datetime.now(UTC) - timedelta(hours=1)
    deliver(handler, UserUtterance(call_id="CA18", turn_seq=1, relay_instance="r1", text="hi"), published_at=old)
    assert publisher.of_type(BotSpeech) == []
    [dead] = publisher.of_type(DeadLettered)
    assert dead.call_id == "CA18" and "older" in dead.reason


def _push_event(payload: bytes, attributes: dict[str, str]) -> dict:
    return {"message": {"data": base64.b64encode(payload).decode(), "attributes": attributes,
                        "messageId": "42", "publishTime": datetime.now(UTC).isoformat()},
            "subscription": "projects/p/subscriptions/callbot-turns-agent-turn"}


@pytest.fixture
def client(monkeypatch, handler):
    # functions-framework loads main.py from its path, which imports the composition root anew
    monkeypatch.setattr(bootstrap, "turn_handler", lambda: handler)
    app = create_app(target="agent_turn", source="functions/agent_turn/main.py", signature_type="cloudevent")
    return app.test_client()


def test_entry_point_accepts_a_pubsub_push_body(client, publisher):
    body = _push_event(*encode(CallStarted(call_id="CA19", turn_seq=0, relay_instance="r1")))
    assert client.post("/", json=body).status_code == 200
    assert [m.call_id for m in publisher.of_type(BotSpeech)] == ["CA19"]


def test_entry_point_accepts_a_cloud_event(client, publisher):
    payload, attributes = encode(CallStarted(call_id="CA20", turn_seq=0, relay_instance="r1"))
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//pubsub",
                        "id": "1"}, {"message": {"data": base64.b64encode(payload).decode(),
                                                 "attributes": attributes, "messageId": "1"}})
    from cloudevents.conversion import to_structured

    headers, data = to_structured(event)
    assert client.post("/", headers=headers, data=data).status_code == 200
    assert len(publisher.of_type(ActionRequested)) == 1


def test_entry_point_dead_letters_an_undecodable_message_and_acknowledges_it(client, publisher):
    body = _push_event(b"{not json", {"call_id": "CA21"})
    assert client.post("/", json=body).status_code == 200
    [dead] = publisher.of_type(DeadLettered)
    assert dead.call_id == "CA21" and dead.payload == "{not json"


def test_entry_point_returns_an_error_for_a_retryable_failure(client, publisher):
    publisher.fail_next = [ConnectionError("pubsub down")]
    body = _push_event(*encode(CallStarted(call_id="CA22", turn_seq=0, relay_instance="r1")))
    assert client.post("/", json=body).status_code == 500


def test_an_action_without_result_is_given_up_when_the_caller_speaks_again(publisher, model, call_log):
    now = [1_800_000_000.0]
    settings = AgentTurnSettings(action_timeout_s=10)
    handler = TurnHandler(build_graph(InMemorySaver(), model, settings, clock=lambda: datetime.fromtimestamp(now[0], UTC)),
                          publisher, settings, call_log, clock=lambda: now[0])
    start(handler, publisher, "CA23")
    model.script += [call("transfer_to_calendar"), call("find_slots", {}, "f1")]
    deliver(handler, UserUtterance(call_id="CA23", turn_seq=1, relay_instance="r1", text="book a demo"))
    request = publisher.of_type(ActionRequested)[-1]
    now[0] += 5
    deliver(handler, UserUtterance(call_id="CA23", turn_seq=2, relay_instance="r1", text="hello?"))
    assert state(handler, "CA23")["pending"]["request_id"] == "f1"  # 5 s: still waiting
    now[0] += 10
    model.script += [AIMessage("Sorry, the calendar is not answering. Can I take your details instead?")]
    deliver(handler, UserUtterance(call_id="CA23", turn_seq=3, relay_instance="r1", text="are you there?"))
    assert said(publisher)[-1][0] == 3 and said(publisher)[-1][3]  # answered, as turn 3
    told = [m for m in model.calls[-1] if isinstance(m, ToolMessage)][-1]
    assert json.loads(told.content) == {"error": "no result in time"}
    assert [m.content for m in model.calls[-1][-2:]] == ["hello?", "are you there?"]
    count = len(publisher.published)
    deliver(handler, complete(request, slots=[]))  # the late result changes nothing
    assert len(publisher.published) == count and state(handler, "CA23")["pending"] is None


def test_a_model_that_cannot_stream_still_speaks_and_calls_tools(publisher, call_log):
    from langchain_core.language_models import BaseChatModel

    class WholeMessages(ScriptedChatModel):
        _stream = BaseChatModel._stream  # LangChain's `stream` then yields one whole AIMessage

    model = WholeMessages(script=[call("transfer_to_human", {"reason": "asked"}), AIMessage("Sure. Goodbye.")])
    settings = AgentTurnSettings()
    handler = TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, call_log)
    start(handler, publisher, "CA24")
    deliver(handler, UserUtterance(call_id="CA24", turn_seq=1, relay_instance="r1", text="a person please"))
    assert publisher.of_type(BotSpeech)[-1].transfer


GEMINI_SIGNATURES = "__gemini_function_call_thought_signatures__"  # langchain-google-vertexai and -genai


def test_gemini_thought_signatures_go_back_to_the_model_with_the_history(handler, publisher, model):
    """Gemini 3 answers 400 to a history whose function calls lost their thought signatures: the
    rebuilt reply keeps them (additional_kwargs, keyed by tool call id), the signed thinking and text
    blocks and the response metadata, with the spoken text as its text."""
    start(handler, publisher, "CA50")
    thinking = {"type": "thinking", "thinking": "A price question: the knowledge specialist.", "signature": "dGhpbms="}
    text = {"type": "text", "text": "Let me look that up.", "extras": {"signature": "dGV4dA=="}}
    model.script += [AIMessage([thinking, text], tool_calls=[{"name": "transfer_to_knowledge", "args": {}, "id": "fc-1"}],
                               additional_kwargs={GEMINI_SIGNATURES: {"fc-1": "c2lnLTE="}},
                               response_metadata={"model_provider": "google_genai"}),
                     call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA50", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    [sent] = [m for m in model.calls[-1] if isinstance(m, AIMessage) and m.tool_calls]
    [stored] = [m for m in state(handler, "CA50")["messages"] if isinstance(m, AIMessage) and m.tool_calls
                and m.tool_calls[0]["id"] == "fc-1"]
    for message in (sent, stored):
        assert message.tool_calls[0]["id"] == "fc-1"
        assert message.additional_kwargs[GEMINI_SIGNATURES] == {"fc-1": "c2lnLTE="}
        assert message.content == [thinking, {**text, "text": "Let me look that up."}]
        assert message.response_metadata["model_provider"] == "google_genai"
    assert (stored.additional_kwargs["turn"], stored.additional_kwargs["agent"]) == (1, "lead")


def test_gemini_3_on_vertex_gets_its_function_call_back_with_its_thought_signature(publisher, call_log):
    """The production chat model (ChatGoogleGenerativeAI on Vertex AI), its requests answered by a fake
    of the SDK's streaming call: the lead's function call goes back in the knowledge step's request
    with the signature it came with, not the bypass the library sends when it is missing."""
    from google.genai.types import Candidate, Content, FunctionCall, GenerateContentResponse, Part

    from callbot.llm.providers import chat_model

    requests = []
    calls = [("transfer_to_knowledge", {}), ("search_knowledge", {"question": "price?"})]

    def generate_content_stream(*, model, contents, config=None):
        requests.append(contents)
        name, args = calls[len(requests) - 1]
        part = Part(function_call=FunctionCall(name=name, args=args, id=f"fc-{len(requests)}"),
                    thought_signature=f"sig-{len(requests)}".encode())
        yield GenerateContentResponse(candidates=[Candidate(content=Content(role="model", parts=[part]),
                                                            finish_reason="STOP")])

    settings = AgentTurnSettings(llm_provider="vertexai", llm_model="gemini-3-flash-preview", project_id="p",
                                 first_sentence_timeout_s=5, llm_timeout_s=5)
    model = chat_model(settings)
    model.client.models.generate_content_stream = generate_content_stream
    handler = TurnHandler(build_graph(InMemorySaver(), model, settings), publisher, settings, call_log)
    start(handler, publisher, "CA51")
    deliver(handler, UserUtterance(call_id="CA51", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    assert len(requests) == 2 and publisher.of_type(ActionRequested)[-1].request_id == "fc-2"
    sent = [(part.function_call.name, part.thought_signature) for content in requests[1] for part in content.parts
            if part.function_call]
    assert sent == [("transfer_to_knowledge", b"sig-1")]


@pytest.mark.parametrize(("meeting", "rep_email"), [
    ({}, ""),
    ({"id": "m1", "status": "booked", "rep_email": "alex.kim@northwind.example"}, "alex.kim@northwind.example"),
    ({"id": "m1", "status": "cancelled", "rep_email": "alex.kim@northwind.example"}, "")])
def test_slots_looked_for_while_a_meeting_is_booked_are_its_reps(meeting, rep_email):
    ctx = ActionContext(settings=AgentTurnSettings(), now=datetime(2026, 12, 1, 9, tzinfo=UTC), language="en-US")
    args = ACTIONS["find_slots"].build({"preferred_time": "2026-12-08T14:00:00"}, {"meeting": meeting}, ctx)
    assert (args["preferred_time"], args["rep_email"]) == ("2026-12-08T14:00:00", rep_email)


# --- tentative utterances (preemptive turns): answered early, writes held until the relay keeps the turn

def heard(handler, call_id):
    return [m.content for m in state(handler, call_id)["messages"] if isinstance(m, HumanMessage)]


def tentative_utterance(call_id, turn_seq, text):
    return UserUtterance(call_id=call_id, turn_seq=turn_seq, relay_instance="r1", text=text, tentative=True)


def settled(call_id, turn_seq, kept):
    return TurnSettled(call_id=call_id, turn_seq=turn_seq, relay_instance="r1", kept=kept)


def test_a_kept_tentative_turn_is_answered_once_and_its_held_write_runs_only_then(handler, publisher, model):
    start(handler, publisher, "CA1")
    model.script += [call("record_details", {"company": "Acme", "consent": True}), call("save_lead", {}, "s1")]
    deliver(handler, tentative_utterance("CA1", 1, "Acme, and yes you may"))
    assert publisher.of_type(ActionRequested)[-1].action == "find_caller"  # save_lead held
    assert state(handler, "CA1")["pending"]["action"] == "save_lead"
    deliver(handler, settled("CA1", 1, kept=True))
    request = publisher.of_type(ActionRequested)[-1]
    assert (request.action, request.turn_seq, request.args["lead"]) == ("save_lead", 1, {"company": "Acme", "consent": True})
    assert state(handler, "CA1")["tentative"] is None and heard(handler, "CA1") == ["Acme, and yes you may"]


def test_a_withdrawn_turn_leaves_no_trace_and_the_whole_utterance_gets_one_answer(handler, publisher, model, call_log):
    start(handler, publisher, "CA2")
    before = state(handler, "CA2")
    model.script += [call("record_details", {"company": "Acme", "consent": True}), call("save_lead", {}, "s1")]
    deliver(handler, tentative_utterance("CA2", 1, "Acme"))
    deliver(handler, settled("CA2", 1, kept=False))  # the caller went on speaking
    after = state(handler, "CA2")
    assert after["messages"] == before["messages"] and after.get("lead") == before.get("lead")
    assert after["pending"] is None and after.get("tentative") is None
    assert call_log.document("CA2").outcome.qualification == {}  # nothing of it on the call document
    model.script += [AIMessage("Thanks, and what do you need?")]
    deliver(handler, UserUtterance(call_id="CA2", turn_seq=2, relay_instance="r1", text="Acme, we sell boats"))
    assert heard(handler, "CA2") == ["Acme, we sell boats"]  # one human message: the whole utterance
    assert [a.action for a in publisher.of_type(ActionRequested)] == ["find_caller"]  # no write ever requested
    assert said(publisher, 2)[-1] == (2, 0, "Thanks, and what do you need?", True)
    deliver(handler, tentative_utterance("CA2", 1, "Acme"))  # a late copy of the withdrawn turn changes nothing
    assert heard(handler, "CA2") == ["Acme, we sell boats"] and model.script == []


def test_a_read_runs_early_and_its_result_after_a_withdrawal_is_ignored(handler, publisher, model):
    start(handler, publisher, "CA3")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, tentative_utterance("CA3", 1, "What does it cost"))
    search = publisher.of_type(ActionRequested)[-1]
    assert search.action == "search_knowledge"  # a read: published at once
    deliver(handler, settled("CA3", 1, kept=False))
    deliver(handler, complete(search, passages=[]))
    values = state(handler, "CA3")
    assert values["pending"] is None and values.get("unanswered_questions", []) == [] and heard(handler, "CA3") == []


def test_a_tentative_turn_during_an_action_waits_and_is_queued_only_if_kept(handler, publisher, model):
    start(handler, publisher, "CA4")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA4", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    search = publisher.of_type(ActionRequested)[-1]
    deliver(handler, tentative_utterance("CA4", 2, "And a trial"))
    deliver(handler, settled("CA4", 2, kept=False))
    deliver(handler, tentative_utterance("CA4", 3, "And is there a trial?"))
    deliver(handler, settled("CA4", 3, kept=True))
    model.script += [AIMessage("It's 49 dollars. No trial.")]
    deliver(handler, complete(search, passages=[]))
    assert heard(handler, "CA4") == ["What does it cost?", "And is there a trial?"]
    assert said(publisher, 2)[-1][0] == 3


def test_a_tentative_turn_kept_after_the_action_it_waited_for_is_answered_then(handler, publisher, model):
    start(handler, publisher, "CA54")
    model.script += [call("transfer_to_knowledge"), call("search_knowledge", {"question": "price?"}, "q1")]
    deliver(handler, UserUtterance(call_id="CA54", turn_seq=1, relay_instance="r1", text="What does it cost?"))
    search = publisher.of_type(ActionRequested)[-1]
    deliver(handler, tentative_utterance("CA54", 2, "And is there a trial?"))
    model.script += [AIMessage("It's 49 dollars.")]
    deliver(handler, complete(search, passages=[]))  # answered before the tentative turn is settled
    assert heard(handler, "CA54") == ["What does it cost?"]
    model.script += [AIMessage("No trial, but a demo.")]
    deliver(handler, settled("CA54", 2, kept=True))
    assert heard(handler, "CA54") == ["What does it cost?", "And is there a trial?"]
    assert said(publisher, 2)[-1] == (2, 0, "No trial, but a demo.", True)
    assert state(handler, "CA54")["tentative"] is None
