"""A Terraform directory as `python-hcl2` reads it, with the few look-ups the consistency tests need.

Terraform cannot plan here (no provider can be downloaded), so the tests read the configuration
itself: literal values in `locals`, and the expressions of resource attributes as text
(`"${local.functions}"`, `"${each.value.ordered}"`). Strings come without their quotes; a block is a
list of bodies, an object is a dict.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
_LOCAL_REF = re.compile(r"\blocal\.(\w+)")
_VAR_REF = re.compile(r"\$\{var\.(\w+)\}")
_LOCAL_PATH = re.compile(r'\$\{local\.(\w+)((?:\.\w+|\["[^"]+"\])*)\}')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ROLE = re.compile(r"roles/[\w.]+")
CHECKOV_SKIP = re.compile(r"checkov:skip=(?P<check>[A-Za-z0-9_]+)(?::(?P<reason>.*))?")


@dataclass
class TerraformModule:
    """Every `.tf` file of one directory (not its subdirectories), merged as Terraform does."""

    directory: Path
    locals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"TerraformModule({self.directory})"

    def resources_of(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The resources of one type, by name."""
        return self.resources.get(resource_type, {})

    def referenced_locals(self, value: Any) -> set[str]:
        """The locals `value` refers to, directly or through other locals."""
        seen: set[str] = set()
        pending = set(_LOCAL_REF.findall(_text(value)))
        while pending:
            name = pending.pop()
            if name in seen or name not in self.locals:
                continue
            seen.add(name)
            pending |= set(_LOCAL_REF.findall(_text(self.locals[name])))
        return seen

    def resolve(self, value: Any) -> Any:
        """A literal value for `value` where it is one local (or an attribute or key of one) or one
        variable with a default; `value` itself otherwise."""
        for _ in range(10):
            if isinstance(value, str) and (match := _LOCAL_PATH.fullmatch(value)) and match[1] in self.locals:
                value = self.locals[match[1]]
                for key in re.findall(r'\.(\w+)|\["([^"]+)"\]', match[2]):
                    if not isinstance(value, dict) or (key[0] or key[1]) not in value:
                        return match[0]
                    value = value[key[0] or key[1]]
            elif isinstance(value, str) and (match := _VAR_REF.fullmatch(value)) and \
                    "default" in self.variables.get(match[1], {}):
                value = self.variables[match[1]]["default"]
            else:
                return value
        return value

    def literal_map(self, value: Any) -> dict[str, Any]:
        """A map written as an object, a local, a variable default or `merge()` of those; raises
        `ValueError` for anything else (a `for` expression, a lookup)."""
        value = self.resolve(value)
        if isinstance(value, dict):
            return value
        match = re.fullmatch(r"\$\{merge\((.*)\)\}", value, re.DOTALL) if isinstance(value, str) else None
        if not match:
            raise ValueError(f"not a literal map: {value!r}")
        merged: dict[str, Any] = {}
        for argument in _arguments(match[1]):
            if argument.startswith("{"):
                merged.update(self.literal_map(hcl2.loads(f"x = {argument}\n", serialization_options=_OPTIONS)["x"]))
            else:
                merged.update(self.literal_map(f"${{{argument}}}"))
        return merged


def _arguments(text: str) -> list[str]:
    """The top-level, comma-separated arguments of a function call."""
    arguments, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == '"' and text[index - 1:index] != "\\":
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            arguments.append(text[start:index].strip())
            start = index + 1
    arguments.append(text[start:].strip())
    return [argument for argument in arguments if argument]


def load_module(directory: Path) -> TerraformModule:
    """Parse every `.tf` file of `directory`."""
    module = TerraformModule(directory)
    for path in sorted(directory.glob("*.tf")):
        with path.open() as file:
            parsed = hcl2.load(file, serialization_options=_OPTIONS)
        for block in parsed.get("locals", []):
            module.locals.update(block)
        for block in parsed.get("variable", []):
            module.variables.update(block)
        for block in parsed.get("module", []):
            module.modules.update(block)
        for block in parsed.get("resource", []):
            for resource_type, named in block.items():
                module.resources.setdefault(resource_type, {}).update(named)
    return module


def load_tree(root: Path) -> list[TerraformModule]:
    """Every directory under `root` (itself included) that holds `.tf` files."""
    directories = sorted({path.parent for path in root.rglob("*.tf") if ".terraform" not in path.parts})
    return [load_module(directory) for directory in directories]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def whole_reference(value: str, kind: str) -> str | None:
    """`name` when `value` is exactly `${<kind>.name}`, else None."""
    match = re.fullmatch(rf"\$\{{{kind}\.(\w+)\}}", value)
    return match[1] if match else None


def blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The bodies of the nested blocks called `name` (static ones; not `dynamic` blocks)."""
    found = body.get(name, [])
    return found if isinstance(found, list) else [found]


def nested(body: dict[str, Any], *path: str) -> list[dict[str, Any]]:
    """The bodies at the end of a path of nested blocks: `nested(service, "template", "containers")`."""
    bodies = [body]
    for name in path:
        bodies = [inner for outer in bodies for inner in blocks(outer, name)]
    return bodies


def dynamic_blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The `dynamic "name"` blocks of `body`."""
    return [block[name] for block in blocks(body, "dynamic") if name in block]


def quoted_strings(expression: str) -> list[str]:
    """The string literals inside an expression, e.g. the keys of `toset(["a", "b"])`."""
    return [literal.replace('\\"', '"') for literal in _QUOTED.findall(expression)]


def keys_of(value: Any) -> set[str]:
    """The names a collection declares, however it is written: a list or set of strings, a map (its
    keys), or an expression around literal strings such as `toset([...])`."""
    if isinstance(value, dict):
        return set(value)
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    if isinstance(value, str):
        return set(quoted_strings(value))
    return set()


def roles_in(value: Any) -> set[str]:
    """Every IAM role named anywhere in `value`."""
    return set(_ROLE.findall(_text(value)))


def file_argument(expression: str, module_dir: Path) -> Path | None:
    """The file a `file("${path.module}/...")` (or `templatefile`) expression reads."""
    match = re.search(r'(?:templatefile|file)\("([^"]+)"', expression)
    if not match:
        return None
    return (module_dir / match[1].replace("${path.module}", ".")).resolve()


def checkov_skips(root: Path) -> list[tuple[Path, int, str, str]]:
    """Every `checkov:skip` comment under `root`: file, line, check id and reason ("" when none)."""
    skips = []
    for path in sorted(path for path in root.rglob("*.tf") if ".terraform" not in path.parts):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in CHECKOV_SKIP.finditer(line):
                skips.append((path, number, match["check"], (match["reason"] or "").strip()))
    return skips
