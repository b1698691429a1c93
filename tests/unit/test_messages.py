import pytest

from callbot import messages as m
from callbot.errors import BadMessage


def test_encode_decode_round_trip_with_routing_attributes():
    utterance = m.UserUtterance(call_id="CA1", turn_seq=3, relay_instance="r-1", text="hello")
    data, attributes = m.encode(utterance)
    assert m.decode(data) == utterance
    assert attributes == {"type": "UserUtterance", "call_id": "CA1", "message_key": "UserUtterance:CA1:3",
                          "schema_version": "1", "relay_instance": "r-1"}
    assert utterance.topic is m.Topic.TURNS and utterance.ordering_key == "CA1"


def test_message_keys_are_deterministic_and_distinguish_segments():
    a = m.BotSpeech(call_id="CA1", turn_seq=2, relay_instance="r", segment=0, text="a")
    b = m.BotSpeech(call_id="CA1", turn_seq=2, relay_instance="r", segment=1, text="b")
    assert a.message_key == "BotSpeech:CA1:2:0" != b.message_key
    assert a.topic is m.Topic.REPLIES


@pytest.mark.parametrize("payload", [b"not json", b"[1]", b'{"type": "Nope", "call_id": "CA1", "turn_seq": 0}',
                                     b'{"type": "UserUtterance", "call_id": "CA1"}',
                                     b'{"schema_version": 99, "type": "CallEnded"}'])
def test_undecodable_payloads_are_bad_messages(payload):
    with pytest.raises(BadMessage):
        m.decode(payload)


def test_every_message_type_has_a_topic():
    for name in ("CallStarted", "UserUtterance", "DtmfReceived", "BotSpeech", "CallEnded", "DeadLettered"):
        assert m.TOPIC_OF[name] in set(m.Topic)
