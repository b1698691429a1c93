"""The order Terraform must create things in, checked on the references between the root module's
objects (python-hcl2, no provider needed): no dependency cycle (`terraform plan` refuses one), and
nothing created before the APIs it goes through are enabled.

The graph: one node per resource, data source, module call, local value, variable and output of
`terraform/`; an edge for every reference in its arguments and `depends_on`. A module call is one
node: every output of `module.function` is taken to depend on every input of the call, which is
what Terraform does for this module (each output reads the function, which reads every input), so a
cycle here is one `terraform plan` reports as `Cycle: module.function.output.url ...`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
APIS = "google_project_service.this"
# Read at plan time: a depends_on would only defer them to the apply.
READ_BEFORE_ANY_API = {"data.google_project.this"}
REFERENCE = re.compile(r"(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[a-z_][a-z0-9_-]*)")


def _parse(path: Path) -> dict[str, Any]:
    with path.open() as file:
        return hcl2.load(file, serialization_options=OPTIONS)


def declarations(folder: Path = TERRAFORM) -> dict[str, Any]:
    """Every object of the module in `folder`, by the address other objects refer to it with."""
    objects: dict[str, Any] = {}
    for path in sorted(folder.glob("*.tf")):
        parsed = _parse(path)
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                objects.update({f"{kind}.{name}": body for name, body in named.items()})
        for block in parsed.get("data", []):
            for kind, named in block.items():
                objects.update({f"data.{kind}.{name}": body for name, body in named.items()})
        for block in parsed.get("module", []):
            objects.update({f"module.{name}": body for name, body in block.items()})
        for block in parsed.get("locals", []):
            objects.update({f"local.{name}": value for name, value in block.items()})
        for block in parsed.get("variable", []):
            objects.update({f"var.{name}": body for name, body in block.items()})
        for block in parsed.get("output", []):
            objects.update({f"output.{name}": body for name, body in block.items()})
    return objects


def dependency_graph(objects: dict[str, Any]) -> dict[str, set[str]]:
    """Each object -> the objects it refers to (arguments and depends_on)."""
    graph = {}
    for address, body in objects.items():
        text = json.dumps(body)
        graph[address] = {ref for ref in REFERENCE.findall(text) if ref in objects and ref != address}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for successor in graph[todo.pop()] - seen:
            seen.add(successor)
            todo.append(successor)
    return seen


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return dependency_graph(declarations())


def test_the_graph_sees_the_references(graph):
    """Guards the parsing the other tests rely on."""
    assert "google_pubsub_topic.this" in graph["google_pubsub_subscription.push"]
    assert "module.function" in graph["google_pubsub_subscription.push"]
    assert APIS in graph["google_pubsub_topic.this"]


def test_a_cycle_is_found_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_dependency_cycle(graph):
    """A function's secret bindings name its service account; if that account came from the
    function's own module, the bindings (an input of the module) would wait on the module's outputs."""
    assert cycles(graph) == []


def test_every_resource_waits_for_the_apis(graph):
    """Creating a service account, a custom role or a binding before its API is enabled fails the
    first apply (SERVICE_DISABLED): every resource depends on the API enablement, directly or
    through something it refers to."""
    resources = [address for address in graph
                 if address.split(".")[0] not in {"local", "var", "output", "data"} and address != APIS]
    assert len(resources) > 20
    early = [address for address in resources if APIS not in reachable(graph, address)]
    assert early == []
    assert all(APIS not in graph[address] for address in READ_BEFORE_ANY_API)
