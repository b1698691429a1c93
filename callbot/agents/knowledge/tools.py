"""Knowledge tools: search the company's knowledge base. Runs in the knowledge_action function."""

from __future__ import annotations

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


ACTIONS = {"search_knowledge": ActionSpec(search_knowledge, _args, _result, reads_only=True)}
TOOLS = [search_knowledge]
