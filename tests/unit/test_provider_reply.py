"""A reply rewritten to what was said or heard keeps what its provider needs back (Gemini's thought
signatures), whatever the shape it came in."""

from langchain_core.messages import AIMessage

from callbot.agents.provider_reply import with_text
from callbot.agents.supervisor.graph import cut_to_heard

SIGNATURES = "__gemini_function_call_thought_signatures__"
CALLS = [{"name": "search_knowledge", "args": {"question": "price?"}, "id": "fc-1"}]


def test_plain_text_is_replaced_and_the_signatures_of_function_calls_kept():
    reply = AIMessage("Let me check", tool_calls=CALLS, id="ai-1", additional_kwargs={SIGNATURES: {"fc-1": "c2ln"}},
                      response_metadata={"model_provider": "google_vertexai"})
    rewritten = with_text(reply, "One moment. Let me check.", turn=3)
    assert rewritten.content == "One moment. Let me check."
    assert rewritten.additional_kwargs == {SIGNATURES: {"fc-1": "c2ln"}, "turn": 3}
    assert (rewritten.tool_calls, rewritten.id, rewritten.response_metadata) == (reply.tool_calls, "ai-1",
                                                                               reply.response_metadata)


def test_streamed_pieces_and_signed_blocks_become_one_text_block_keeping_the_signatures():
    # ChatVertexAI streamed: plain strings, then a text part signed with thought_signature
    reply = AIMessage(["Let me ", "check.", {"type": "text", "text": "", "thought_signature": "c2ln"},
                       {"type": "function_call_signature", "signature": "Zm4=", "index": 0}], tool_calls=CALLS)
    assert with_text(reply, "Let me check.").content == [
        {"type": "text", "text": "Let me check.", "thought_signature": "c2ln"},
        {"type": "function_call_signature", "signature": "Zm4=", "index": 0}]
    only_calls = AIMessage([{"type": "function_call_signature", "signature": "Zm4="}], tool_calls=CALLS)
    assert with_text(only_calls, "One moment.").content[0] == {"type": "text", "text": "One moment."}
    assert with_text(only_calls, "").content == only_calls.content


def test_a_barge_in_cuts_the_text_and_keeps_the_signatures():
    thinking = {"type": "thinking", "thinking": "a price question", "signature": "dGhpbms="}
    reply = AIMessage([thinking, {"type": "text", "text": "Let me check that for you."}], tool_calls=CALLS,
                      id="ai-1", additional_kwargs={SIGNATURES: {"fc-1": "c2ln"}, "turn": 2})
    [cut] = cut_to_heard([reply], {"turn_seq": 2, "text": "Let me"})
    assert cut.content == [thinking, {"type": "text", "text": "Let me"}] and cut.text == "Let me"
    assert cut.additional_kwargs == {SIGNATURES: {"fc-1": "c2ln"}, "turn": 2, "interrupted": True}
    assert cut.tool_calls == reply.tool_calls and cut.id == "ai-1"
