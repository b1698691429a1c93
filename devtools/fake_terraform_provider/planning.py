"""What the fake provider answers to a plan, on decoded values (objects are dicts, lists and sets are
lists, null is None, an unknown value is `Unknown`): no cloud is called, so

- a new resource is planned as Terraform proposed it, with every computed attribute the
  configuration leaves unset unknown ("known after apply"), as the real provider would;
- a data source is read as its configuration with every unset computed attribute a placeholder of
  its type (a string names the attribute), so that what depends on it can be planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devtools.fake_terraform_provider.schema import Block, CtyType


@dataclass(frozen=True)
class Unknown:
    """An unknown value as cty's msgpack extension carries it (code 0, or 12 with refinements)."""

    code: int = 0
    data: bytes = b"\x00"


UNKNOWN = Unknown()


def plan_resource(block: Block, prior: Any, proposed: Any) -> Any:
    """The planned state: a destroy plans null; an update keeps what Terraform proposed (computed
    attributes carry their prior values); a create leaves unset computed attributes unknown."""
    if proposed is None or prior is not None:
        return proposed
    return _unset_computed(block, proposed, lambda name, cty_type: UNKNOWN)


def read_data_source(block: Block, config: Any) -> Any:
    return _unset_computed(block, config, placeholder)


def _unset_computed(block: Block, value: Any, fill) -> Any:
    if not isinstance(value, dict):  # null or unknown: nothing to fill in
        return value
    filled = dict(value)
    for name, attribute in block.attributes.items():
        if attribute.computed and filled.get(name) is None:
            filled[name] = fill(name, attribute.type)
    for name, nested in block.blocks.items():
        elements = filled.get(name)
        if isinstance(elements, list):
            filled[name] = [_unset_computed(nested.block, element, fill) for element in elements]
        elif isinstance(elements, dict):
            filled[name] = _unset_computed(nested.block, elements, fill)
    return filled


def placeholder(name: str, cty_type: CtyType) -> Any:
    """A value of `cty_type` standing for what the cloud would return for attribute `name`."""
    match cty_type:
        case "string":
            return f"fake-{name.replace('_', '-')}"
        case "number":
            return 1
        case "bool":
            return False
        case ["list" | "set", _]:
            return []
        case ["map", _]:
            return {}
        case ["object", members]:
            return {member: placeholder(member, member_type) for member, member_type in members.items()}
        case _:
            return None
