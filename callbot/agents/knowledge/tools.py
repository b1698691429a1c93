"""Knowledge tools: search the company's knowledge base (runs in the knowledge_action function), and
note a question the passages found do not answer (the graph's state only, for a specialist to follow
up after the call: a search that finds nothing notes its question itself)."""

from __future__ import annotations

from langchain_core.tools import tool

from callbot.agents.action_tools import ActionContext, ActionSpec, action_tool
from callbot.messages import ActionPort


@action_tool(ActionPort.KNOWLEDGE)
def search_knowledge(question: str) -> dict:
    """Search the company's knowledge base for passages that answer a product question. Answer only
    from the passages returned; when none are returned, the knowledge base does not say.

    Args:
        question: the caller's question, rephrased to stand on its own.
    """


def _args(args: dict, state: dict, ctx: ActionContext) -> dict:
    return {"question": str(args.get("question", "")).strip()}


def _result(result: dict, args: dict, state: dict, ctx: ActionContext) -> tuple[dict, dict]:
    passages = result.get("passages") or []
    if not passages:
        question = str(args.get("question") or "")
        return {"passages": []}, {"unanswered_questions": [question] if question else []}
    sources = list(dict.fromkeys(p["source"] for p in passages))  # the answer may come from any of them
    return {"passages": passages}, {"knowledge_sources": sources}


@tool(parse_docstring=True)
def note_unanswered(question: str) -> str:
    """Note a product question that the passages `search_knowledge` returned do not answer, so that a
    specialist follows it up after the call; then tell the caller you don't know and that a specialist
    will follow up. (A search that returns no passage notes its question itself.)

    Args:
        question: the caller's question, rephrased to stand on its own.
    """
    return question


ACTIONS = {"search_knowledge": ActionSpec(search_knowledge, _args, _result, reads_only=True)}
TOOLS = [search_knowledge, note_unanswered]
