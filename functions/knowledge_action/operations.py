"""The knowledge operation an agent can request: search the knowledge base in the call's language."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from callbot.action_functions.handler import Operation
from callbot.knowledge import KnowledgePort
from callbot.messages import ActionRequested

PASSAGES = 3


class SearchKnowledgeArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: str = Field(min_length=1)


def search_knowledge(request: ActionRequested, knowledge: KnowledgePort) -> dict[str, Any]:
    """`{"passages": [passage, ...]}`, best first; empty when the knowledge base does not say."""
    args = SearchKnowledgeArgs.model_validate(request.args)
    passages = knowledge.search(question=args.question, language=request.language, k=PASSAGES)
    return {"passages": [p.model_dump(mode="json") for p in passages]}


def bind(knowledge: KnowledgePort) -> dict[str, Operation]:
    """The operations by action name, bound to `knowledge`."""
    return {"search_knowledge": functools.partial(search_knowledge, knowledge=knowledge)}
