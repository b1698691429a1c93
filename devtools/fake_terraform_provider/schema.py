"""A provider's schema as Terraform sees it: blocks of attributes (each with a cty type) and nested
blocks. One typed model, read from and written to the committed JSON files under `schemas/`.

cty types are kept in cty's own JSON form, the bytes tfplugin6 sends: `"string"`, `"number"`,
`"bool"`, `"dynamic"`, `["list", T]`, `["set", T]`, `["map", T]`, `["object", {name: T}]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "schemas"

CtyType = str | list[Any]


class Nesting(StrEnum):
    """How a nested block repeats (tfplugin6 `Schema.NestedBlock.NestingMode`)."""

    SINGLE = "single"
    LIST = "list"
    SET = "set"


@dataclass(frozen=True)
class Attribute:
    type: CtyType
    required: bool = False
    optional: bool = False
    computed: bool = False


@dataclass(frozen=True)
class NestedBlock:
    block: Block
    nesting: Nesting = Nesting.LIST
    max_items: int = 0
    min_items: int = 0  # 1: the block is required


@dataclass(frozen=True)
class Block:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: dict[str, NestedBlock] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "attributes": {name: {"type": attribute.type,
                                  **{flag: True for flag in ("required", "optional", "computed")
                                     if getattr(attribute, flag)}}
                           for name, attribute in sorted(self.attributes.items())},
            "blocks": {name: {"nesting": nested.nesting.value, "min_items": nested.min_items,
                              "max_items": nested.max_items, "block": nested.block.to_json()}
                       for name, nested in sorted(self.blocks.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(
            attributes={name: Attribute(type=body["type"], required=body.get("required", False),
                                        optional=body.get("optional", False),
                                        computed=body.get("computed", False))
                        for name, body in data.get("attributes", {}).items()},
            blocks={name: NestedBlock(block=cls.from_json(body["block"]), nesting=Nesting(body["nesting"]),
                                      min_items=body.get("min_items", 0), max_items=body.get("max_items", 0))
                    for name, body in data.get("blocks", {}).items()},
        )


@dataclass(frozen=True)
class ProviderSchema:
    """One provider's schema: its configuration block, its resources and data sources by type."""

    source: str  # e.g. "hashicorp/google"
    version: str  # the provider version the schema was generated from
    generated_from: str  # the package it was rebuilt from, pinned
    provider: Block
    resources: dict[str, Block]
    data_sources: dict[str, Block]

    @property
    def name(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "version": self.version, "generated_from": self.generated_from,
            "provider": self.provider.to_json(),
            "resources": {name: block.to_json() for name, block in sorted(self.resources.items())},
            "data_sources": {name: block.to_json() for name, block in sorted(self.data_sources.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProviderSchema:
        return cls(
            source=data["source"], version=data["version"], generated_from=data["generated_from"],
            provider=Block.from_json(data["provider"]),
            resources={name: Block.from_json(body) for name, body in data["resources"].items()},
            data_sources={name: Block.from_json(body) for name, body in data["data_sources"].items()},
        )

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1, sort_keys=False) + "\n")

    @classmethod
    def read(cls, path: Path) -> ProviderSchema:
        return cls.from_json(json.loads(path.read_text()))


def schema_path(name: str) -> Path:
    """The committed schema of provider `name` (`google`, `google-beta`)."""
    return SCHEMAS / f"{name}.json"


def committed_schemas() -> list[ProviderSchema]:
    return [ProviderSchema.read(path) for path in sorted(SCHEMAS.glob("*.json"))]
