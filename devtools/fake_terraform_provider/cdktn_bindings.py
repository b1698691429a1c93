"""Rebuild a provider's schema from the JavaScript of its CDK Terrain prebuilt bindings (the jsii
tarball inside the PyPI package `cdktn-provider-<name>`), which are generated from the provider's
own schema and keep all of it:

- per attribute, a comment `// name - computed: X, optional: Y, required: Z` in the class of its
  resource (or of the nested object), followed by a typed getter (`getStringAttribute`,
  `getListAttribute`, `new cdktn.StringMap(...)`, `new <Struct>OutputReference(...)`, ...);
- per settable attribute, an entry in `synthesizeHclAttributes()` (the resource) or
  `<struct>ToHclTerraform()` (a nested object) with `isBlock`, the kind (`simple`, `list`, `set`,
  `map`, `struct`) and the storage class (`string`, `stringList`, `<Struct>List`, ...).

Pure: JavaScript text in, `schema.Block` out. `generate.py` feeds it the files of a package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devtools.fake_terraform_provider.schema import Attribute, Block, CtyType, NestedBlock, Nesting

CLASS = re.compile(r"^class (?P<name>\w+) extends (?P<base>[\w.]+) \{\n(?P<body>.*?)^\}", re.MULTILINE | re.DOTALL)
TO_HCL = re.compile(r"^function (?P<name>\w+)ToHclTerraform\(struct\) \{\n(?P<body>.*?)^\}", re.MULTILINE | re.DOTALL)
SYNTHESIZE = re.compile(r"^    synthesizeHclAttributes\(\) \{\n(?P<body>.*?)^    \}", re.MULTILINE | re.DOTALL)
RESOURCE_TYPE = re.compile(r'static tfResourceType = "(?P<type>[\w-]+)";')
ATTRIBUTE = re.compile(r"^    // (?P<name>\w+) - computed: (?P<computed>true|false), optional: (?P<optional>true|false), "
                       r"required: (?P<required>true|false)$", re.MULTILINE)
HCL_ENTRY = re.compile(r"^\s+(?P<name>\w+): \{\n\s+value: .*\n\s+isBlock: (?P<is_block>true|false),\n"
                       r"\s+type: \"(?P<kind>\w+)\",\n\s+storageClassType: \"(?P<storage>\w+)\",", re.MULTILINE)
NEW_FIELD = re.compile(r'= new (?:[\w$]+\.)?(?P<cls>\w+)\(this, "(?P<name>\w+)"(?:, (?P<wraps_set>true|false))?\)')
GETTER = re.compile(r"return (?P<tolist>cdktn\.Fn\.tolist\()?this\.get(?P<getter>\w+)Attribute\('(?P<name>\w+)'\)")

SCALARS: dict[str, CtyType] = {"string": "string", "number": "number", "boolean": "bool"}
GETTERS: dict[str, CtyType] = {"String": "string", "Number": "number", "Boolean": "bool",
                               "List": ["list", "string"], "NumberList": ["list", "number"],
                               "StringMap": ["map", "string"], "NumberMap": ["map", "number"],
                               "BooleanMap": ["map", "bool"]}
FIELDS: dict[str, CtyType] = {"StringMap": ["map", "string"], "NumberMap": ["map", "number"],
                              "BooleanMap": ["map", "bool"], "AnyMap": ["map", "dynamic"],
                              "StringMapList": ["list", ["map", "string"]]}


@dataclass(frozen=True)
class HclEntry:
    is_block: bool
    kind: str  # simple, list, set, map, struct
    storage: str  # string, number, boolean, stringList, numberList, stringMap, <Struct>, <Struct>List


@dataclass(frozen=True)
class Declared:
    """One `// name - computed: ...` comment and what follows it up to the next one."""

    name: str
    computed: bool
    optional: bool
    required: bool
    text: str


class UnknownBinding(ValueError):
    """The bindings hold a shape this parser does not know: the schema would be wrong, so stop."""


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _hcl_entries(text: str) -> dict[str, HclEntry]:
    return {match["name"]: HclEntry(match["is_block"] == "true", match["kind"], match["storage"])
            for match in HCL_ENTRY.finditer(text)}


def _declared(body: str) -> list[Declared]:
    matches = list(ATTRIBUTE.finditer(body))
    ends = [match.start() for match in matches[1:]] + [len(body)]
    return [Declared(match["name"], match["computed"] == "true", match["optional"] == "true",
                     match["required"] == "true", body[match.end():end]) for match, end in zip(matches, ends)]


class Bindings:
    """The classes and `*ToHclTerraform` functions of one resource's (or the provider's) files."""

    def __init__(self, javascript: str) -> None:
        self.classes = {match["name"]: (match["base"], match["body"]) for match in CLASS.finditer(javascript)}
        self.to_hcl = {match["name"]: _hcl_entries(match["body"]) for match in TO_HCL.finditer(javascript)}

    def roots(self) -> dict[str, tuple[str, str]]:
        """`{terraform type: (kind, class name)}` for the resources, data sources and provider here;
        kind is `resource`, `data` or `provider`."""
        kinds = {"cdktn.TerraformResource": "resource", "cdktn.TerraformDataSource": "data",
                 "cdktn.TerraformProvider": "provider"}
        roots = {}
        for name, (base, body) in self.classes.items():
            if base in kinds and (match := RESOURCE_TYPE.search(body)):
                roots[match["type"]] = (kinds[base], name)
        return roots

    def root_block(self, class_name: str) -> Block:
        _, body = self.classes[class_name]
        synthesize = SYNTHESIZE.search(body)
        return self._block(body, _hcl_entries(synthesize["body"]) if synthesize else {})

    def _struct_block(self, struct: str) -> Block:
        """The block of nested object `struct` (the name its `<struct>ToHclTerraform` is built on)."""
        reference = self.classes.get(f"{struct}OutputReference")
        hcl = self.to_hcl.get(_lower_first(struct), {})
        if reference is None:  # the provider's nested blocks: plain interfaces, settable only
            return self._block("", hcl)
        return self._block(reference[1], hcl)

    def _block(self, body: str, hcl: dict[str, HclEntry]) -> Block:
        attributes: dict[str, Attribute] = {}
        blocks: dict[str, NestedBlock] = {}
        declared = {item.name: item for item in _declared(body)}
        for name in list(declared) + [name for name in hcl if name not in declared]:
            item = declared.get(name) or Declared(name, computed=False, optional=True, required=False, text="")
            entry = hcl.get(name)
            if entry is not None and entry.is_block:
                blocks[name] = self._nested_block(item, entry)
            else:
                attributes[name] = Attribute(type=self._type(item, entry), required=item.required,
                                             optional=item.optional, computed=item.computed)
        return Block(attributes=attributes, blocks=blocks)

    def _nested_block(self, item: Declared, entry: HclEntry) -> NestedBlock:
        field = NEW_FIELD.search(item.text)
        struct = entry.storage.removesuffix("List") if entry.kind in ("list", "set") else entry.storage
        block = self._struct_block(struct)
        min_items = 1 if item.required else 0
        if entry.kind == "struct":
            return NestedBlock(block=block, nesting=Nesting.SINGLE, min_items=min_items)
        single = field is not None and field["cls"].endswith("OutputReference")
        return NestedBlock(block=block, nesting=Nesting.SET if entry.kind == "set" else Nesting.LIST,
                           min_items=min_items, max_items=1 if single else 0)

    def _type(self, item: Declared, entry: HclEntry | None) -> CtyType:
        if (field := NEW_FIELD.search(item.text)) and field["name"] == item.name:
            cls = field["cls"]
            if cls in FIELDS:
                return FIELDS[cls]
            if cls.endswith("OutputReference"):
                element = self._object_type(cls.removesuffix("OutputReference"))
                return element if entry is not None and entry.kind == "struct" else ["list", element]
            if cls.endswith("List"):
                element = self._object_type(cls.removesuffix("List"))
                return ["set" if field["wraps_set"] == "true" else "list", element]
            raise UnknownBinding(f"{item.name}: field of class {cls}")
        if (getter := GETTER.search(item.text)) and getter["name"] == item.name:
            if getter["getter"] not in GETTERS:
                raise UnknownBinding(f"{item.name}: getter get{getter['getter']}Attribute")
            kind = GETTERS[getter["getter"]]
            return ["set", kind[1]] if getter["tolist"] and isinstance(kind, list) else kind
        if entry is not None:
            return self._stored_type(item.name, entry)
        raise UnknownBinding(f"{item.name}: neither a typed getter nor a ToHclTerraform entry")

    def _stored_type(self, name: str, entry: HclEntry) -> CtyType:
        storage = entry.storage
        if storage in SCALARS:
            return SCALARS[storage]
        for suffix, collection in (("List", "list"), ("Map", "map")):
            if storage.endswith(suffix) and storage.removesuffix(suffix) in SCALARS:
                kind = "set" if entry.kind == "set" else collection
                return [kind, SCALARS[storage.removesuffix(suffix)]]
        if storage[:1].isupper():  # an object stored as an attribute (not a block)
            if entry.kind in ("list", "set"):
                return [entry.kind, self._object_type(storage.removesuffix("List"))]
            return self._object_type(storage)
        raise UnknownBinding(f"{name}: storage class {storage}")

    def _object_type(self, struct: str) -> CtyType:
        return block_object_type(self._struct_block(struct))

def block_object_type(block: Block) -> CtyType:
    """The cty object type of one element of a block."""
    members: dict[str, CtyType] = {name: attribute.type for name, attribute in block.attributes.items()}
    for name, nested in block.blocks.items():
        element = block_object_type(nested.block)
        members[name] = element if nested.nesting is Nesting.SINGLE else [nested.nesting.value, element]
    return ["object", members]
