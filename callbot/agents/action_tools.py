"""Tools whose execution is an action function.

An action tool is a LangChain tool (name, description, argument schema: what the LLM sees) that
never runs in `agent_turn`: the graph pauses with `interrupt()`, `agent_turn` publishes an
`ActionRequested` on the port's topic, and the result comes back as `ActionCompleted`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langchain_core.tools import BaseTool, tool

from callbot.messages import ActionPort


class RunsAsActionFunction(RuntimeError):
    """An action tool was invoked in-process; it only runs in its action function."""


def action_tool(port: ActionPort) -> Callable[[Callable[..., Any]], BaseTool]:
    """Make a tool of `fn` (its signature and docstring are the schema) that runs on `port`."""

    def wrap(fn: Callable[..., Any]) -> BaseTool:
        def refuse(**kwargs: Any) -> Any:
            raise RunsAsActionFunction(f"{fn.__name__} runs in the {port} action function")

        made = tool(fn, parse_docstring=True)
        made.func = refuse
        made.metadata = {"port": port.value}
        return made

    return wrap


def port_of(candidate: BaseTool) -> ActionPort | None:
    """The port an action tool runs on; None for tools that run in the graph."""
    port = (candidate.metadata or {}).get("port")
    return ActionPort(port) if port else None


@dataclass(frozen=True)
class ActionContext:
    """What building a request or applying a result may use besides the state."""

    settings: Any
    now: datetime
    language: str


@dataclass(frozen=True)
class ActionSpec:
    """How one action tool meets the graph: the request's full arguments from the tool call's and
    the state, and what its result changes in the state (plus what the LLM is told about it)."""

    tool: BaseTool
    build: Callable[[dict[str, Any], dict[str, Any], ActionContext], dict[str, Any]]
    apply: Callable[[dict[str, Any], dict[str, Any], dict[str, Any], ActionContext],
                    tuple[dict[str, Any], dict[str, Any]]]  # (result, request args, state, ctx)
    # changes nothing outside: may run on a tentative turn, before the caller has surely finished
    reads_only: bool = False

    @property
    def port(self) -> ActionPort:
        port = port_of(self.tool)
        assert port is not None
        return port
