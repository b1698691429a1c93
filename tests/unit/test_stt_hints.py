"""The recognizer gets the context: the phrase hints built from what the bot asked for, what the
local Whisper engine is given for them (a fake model records it), and the relay handing each
complete reply's hints to its call's recognizer (scripted STT records them). The Google engine's
requests are checked against a fake Speech service in test_google_stt.py."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from callbot.messages import BotSpeech
from callbot.settings import RelaySettings
from stream_relay import mulaw, twilio_wire
from stream_relay.app import create_app
from stream_relay.speech.hints import ANSWERS, SALES_TALK, speech_hints
from stream_relay.speech.scripted_stt import ScriptedSpeechToText
from stream_relay.speech.stt import SpeechHints
from stream_relay.speech.whisper_stt import HEARD_CHARS, WhisperSpeechToTextFactory, recent_words
from tests.fakes.relay import fake_services
from tests.support.relay_stream import open_stream, start

VOCABULARY = ("Northwind Voice", "Alex Kim", "Priya Shah")


# -- the hints -----------------------------------------------------------------------------------


def test_an_email_question_hints_how_addresses_are_spoken_with_the_vocabulary():
    hints = speech_hints(VOCABULARY, "en-US", "email", "  What's the best\n email to reach you? ")
    assert hints.vocabulary == VOCABULARY and hints.slot == "email"
    assert {"at", "dot", "dash", "underscore", "plus", "gmail dot com"} <= set(hints.answer)
    assert hints.question == "What's the best email to reach you?"


@pytest.mark.parametrize(("slot", "language", "expected"), [
    ("team_size", "en-US", {"forty", "people"}),
    ("consent", "en-US", {"yes", "no"}),
    ("email_confirmed", "en-US", {"yes", "no", "that's right"}),
    ("name_confirmed", "en-US", {"yes", "no"}),  # a confirmation this table does not list
    ("slot_choice", "en-US", {"Tuesday", "the first one", "the second one", "in the morning"}),
    ("email", "fr-FR", {"arobase", "point", "tiret"}),
    ("slot_choice", "fr-FR", {"mardi", "le premier"}),
])
def test_each_expected_answer_has_its_phrases(slot, language, expected):
    assert expected <= set(speech_hints(VOCABULARY, language, slot).answer)


@pytest.mark.parametrize(("slot", "language", "answer"), [
    (None, "en-US", SALES_TALK["en"]), ("something_new", "en-US", SALES_TALK["en"]), (None, "fr-FR", SALES_TALK["fr"]),
    ("email", "de-DE", ())])
def test_nothing_in_particular_or_unknown_gets_the_vocabulary_and_the_sales_talk(slot, language, answer):
    hints = speech_hints(VOCABULARY, language, slot, "Anything else?")
    assert (hints.vocabulary, hints.answer, hints.choices) == (VOCABULARY, answer, ())


def test_the_sales_talk_comes_with_every_answer_once():
    for slot in ANSWERS["en"]:
        answer = speech_hints(VOCABULARY, "en-US", slot).answer
        assert set(SALES_TALK["en"]) <= set(answer) and len(answer) == len(set(answer))


def test_choices_are_the_answer_phrases_that_pick_one_alternative():
    hints = speech_hints(VOCABULARY, "en-US", "slot_choice")
    assert {"the first one", "the third one"} <= set(hints.choices) and "Tuesday" not in hints.choices
    assert set(hints.choices) <= set(hints.answer)
    assert speech_hints(VOCABULARY, "en-US", "email").choices == ()


def test_every_language_knows_the_same_answers():
    assert set(ANSWERS["en"]) == set(ANSWERS["fr"])


def test_a_long_reply_keeps_its_end_as_the_question():
    reply = "It costs 49 dollars per user per month. " * 20 + "What's your email?"
    question = speech_hints(VOCABULARY, "en-US", "email", reply).question
    assert question.endswith("What's your email?") and len(question) <= 300


# -- Whisper: initial_prompt and hotwords --------------------------------------------------------


class FakeWhisperModel:
    """Records what `transcribe` was given; hears `heard`."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.model = SimpleNamespace(is_multilingual=False)
        self.supported_languages = ["en"]
        self.heard = " dana at acme dot com"

    def transcribe(self, audio, **options):
        self.calls.append(options)
        return iter([SimpleNamespace(text=self.heard, tokens=[1, 2, 3], avg_logprob=-0.3)]), None


class FakeEngine:
    def __init__(self, model: FakeWhisperModel) -> None:
        self.model = model

    async def run(self, func, *args):
        return func(self.model, *args)


@pytest.fixture
def whisper():
    model = FakeWhisperModel()
    return model, WhisperSpeechToTextFactory(FakeEngine(model), VOCABULARY)


async def test_whisper_is_prompted_with_the_vocabulary_until_the_bot_asks_for_something(whisper):
    model, factory = whisper
    stt = factory("CA1", "en-US", {})
    assert (await stt.transcribe(mulaw.silence(200))).text == "dana at acme dot com"
    assert model.calls[-1]["initial_prompt"] == "Northwind Voice, Alex Kim, Priya Shah"
    assert model.calls[-1]["hotwords"] == "demo, pricing, onboarding, integration, CRM"


async def test_whisper_gets_the_question_and_the_answer_phrases_after_the_bot_asked_for_an_email(whisper):
    model, factory = whisper
    stt = factory("CA1", "en-US", {})
    stt.expect(speech_hints(VOCABULARY, "en-US", "email", "What's the best email to reach you?"))
    await stt.transcribe(mulaw.silence(200))
    options = model.calls[-1]
    assert options["initial_prompt"] == "Northwind Voice, Alex Kim, Priya Shah. What's the best email to reach you?"
    hotwords = options["hotwords"].split(", ")
    assert {"at", "dot", "dash", "underscore", "gmail dot com"} <= set(hotwords)


async def test_whisper_is_never_given_the_choices_to_copy(whisper):
    model, factory = whisper
    stt = factory("CA1", "en-US", {})
    stt.expect(speech_hints(VOCABULARY, "en-US", "consent", "May we contact you?"))
    await stt.transcribe(mulaw.silence(200))
    assert model.calls[-1]["hotwords"].split(", ") == list(SALES_TALK["en"])  # yes, no, sure...: all choices
    stt.expect(speech_hints(VOCABULARY, "en-US", "slot_choice", "Tuesday or Thursday?"))
    await stt.transcribe(mulaw.silence(200))
    hotwords = model.calls[-1]["hotwords"].split(", ")
    assert "Tuesday" in hotwords and not {"the first one", "the third one"} & set(hotwords)


async def test_whisper_calls_keep_their_own_hints(whisper):
    model, factory = whisper
    first, second = factory("CA1", "en-US", {}), factory("CA2", "en-US", {})
    first.expect(speech_hints(VOCABULARY, "en-US", "email", "Your email?"))
    await second.transcribe(mulaw.silence(200))
    assert "dot" not in model.calls[-1]["hotwords"] and "Your email?" not in model.calls[-1]["initial_prompt"]



async def test_whisper_is_prompted_with_what_this_caller_said_before_the_question(whisper):
    model, factory = whisper
    model.heard = " I'm Dana from Acme Logistics."
    first, other = factory("CA1", "en-US", {}), factory("CA2", "en-US", {})
    await first.transcribe(mulaw.silence(200))
    model.heard = " dana at acme logistics dot com"
    first.expect(speech_hints(VOCABULARY, "en-US", "email", "What's your email?"))
    await first.transcribe(mulaw.silence(200))
    await other.transcribe(mulaw.silence(200))

    prompts = [call["initial_prompt"] for call in model.calls]
    assert prompts[0] == ", ".join(VOCABULARY)
    assert prompts[1] == f"{', '.join(VOCABULARY)}. I'm Dana from Acme Logistics. What's your email?"
    assert "Dana" not in prompts[2]  # another call's caller


def test_the_callers_words_kept_are_the_last_ones_whole():
    said = " ".join(f"word{n}" for n in range(100))
    kept = recent_words(said)
    assert len(kept) <= HEARD_CHARS and said.endswith(kept) and kept.startswith("word")

async def test_what_an_utterance_may_decode_grows_with_its_length(whisper):
    model, factory = whisper
    stt = factory("CA1", "en-US", {})
    await stt.transcribe(mulaw.silence(1000))
    await stt.transcribe(mulaw.silence(5000))
    short, long = (call["max_new_tokens"] for call in model.calls)
    assert short < long <= 100  # a looping decoder stops there, not at Whisper's 448 tokens


async def test_calls_not_in_english_go_to_the_multilingual_model_when_there_is_one():
    english, multilingual = FakeWhisperModel(), FakeWhisperModel()
    multilingual.model, multilingual.supported_languages = SimpleNamespace(is_multilingual=True), ["en", "fr"]
    factory = WhisperSpeechToTextFactory(FakeEngine(english), VOCABULARY, FakeEngine(multilingual))
    for call_id, language in (("CA1", "fr-FR"), ("CA2", "en-US"), ("CA3", "en-GB")):
        await factory(call_id, language, {}).transcribe(mulaw.silence(200))
    alone = FakeWhisperModel()
    await WhisperSpeechToTextFactory(FakeEngine(alone), VOCABULARY)("CA4", "fr-FR", {}).transcribe(
        mulaw.silence(200))

    assert [call["language"] for call in multilingual.calls] == ["fr"]
    assert [call["language"] for call in english.calls] == ["en", "en"]
    assert [call["language"] for call in alone.calls] == ["en"]  # an English-only model hears it as English

# -- the relay gives each complete reply's hints to the call's recognizer -------------------------


@pytest.fixture
def relay(request):
    services = fake_services(**getattr(request, "param", {}))
    recognizers: list[ScriptedSpeechToText] = []

    def factory(call_id, language, parameters):
        recognizers.append(ScriptedSpeechToText.for_call(call_id, language, parameters,
                                                         vocabulary=services.settings.stt_vocabulary))
        return recognizers[-1]

    services.stt_factory = factory
    with TestClient(create_app(services)) as client:
        yield client, services, recognizers


def reply(turn_seq, segment, text, **fields):
    return BotSpeech(call_id="CA200", turn_seq=turn_seq, relay_instance="test-relay", segment=segment, text=text,
                     **fields)


def played(ws, name):
    """Wait until the segment's mark went out (the relay has handled it), and echo it."""
    while not isinstance(frame := twilio_wire.parse_outbound(ws.receive_text()), twilio_wire.PlayMark) \
            or frame.name != name:
        pass
    ws.send_text(twilio_wire.mark_echo_message("MZ1", frame.name, 2))


def wait_for(predicate):
    deadline = time.monotonic() + 5
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_reply_asking_for_the_email_primes_the_recognizer_once_complete(relay):
    client, services, recognizers = relay
    with open_stream(client, services) as ws:
        start(ws, services, [])
        [stt] = recognizers
        assert stt.hints == [speech_hints(("Northwind Voice",), "en-US")]  # the company name by default
        services.replies.deliver(reply(0, 0, "Thanks, Dana.", is_last=False, listen_for="email"))
        played(ws, "0.0")
        assert len(stt.hints) == 1  # the reply is not over
        services.replies.deliver(reply(0, 1, "What's the best email to reach you?", listen_for="email"))
        wait_for(lambda: len(stt.hints) == 2)
        assert stt.hints[-1] == speech_hints(("Northwind Voice",), "en-US", "email",
                                             "Thanks, Dana. What's the best email to reach you?")
        services.replies.deliver(reply(0, 1, "What's the best email to reach you?", listen_for="email"))
        services.replies.deliver(reply(1, 0, "And may we contact you?", listen_for="consent"))
        wait_for(lambda: len(stt.hints) == 3)  # the duplicate changed nothing
        assert (stt.hints[-1].slot, stt.hints[-1].question) == ("consent", "And may we contact you?")
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))


@pytest.mark.parametrize("relay", [{"stt_vocabulary": ("Northwind Voice", "Alex Kim")}], indirect=True)
def test_the_vocabulary_setting_reaches_the_recognizer_and_a_reply_that_asks_nothing_clears_the_answer(relay):
    client, services, recognizers = relay
    with open_stream(client, services) as ws:
        start(ws, services, [])
        [stt] = recognizers
        services.replies.deliver(reply(0, 0, "What's your email?", listen_for="email"))
        services.replies.deliver(reply(1, 0, "Anything else?"))
        wait_for(lambda: len(stt.hints) == 3)
        assert stt.hints[-1] == SpeechHints(vocabulary=("Northwind Voice", "Alex Kim"), answer=SALES_TALK["en"],
                                            question="Anything else?")
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))


@pytest.mark.parametrize("relay", [{"stt_answer_hints": False}], indirect=True)
def test_answer_hints_can_be_turned_off(relay):
    client, services, recognizers = relay
    with open_stream(client, services) as ws:
        start(ws, services, [])
        services.replies.deliver(reply(0, 0, "What's your email?", listen_for="email"))
        played(ws, "0.0.end")
        assert recognizers[0].hints == [speech_hints(("Northwind Voice",), "en-US")]
        ws.send_text(twilio_wire.stop_message("MZ1", "CA200", "AC1", 3))


def test_the_relay_vocabulary_defaults_to_the_company_name():
    assert RelaySettings(company_name="Acme Voice").stt_vocabulary == ("Acme Voice",)
    assert RelaySettings(stt_vocabulary=(" Alex Kim ", "", "Alex Kim")).stt_vocabulary == ("Alex Kim",)
