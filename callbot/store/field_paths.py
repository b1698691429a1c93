"""A partial update of the call document as Firestore field paths (`post_call.steps.sync_crm`), and
the same paths applied to a plain dict, for the in-memory adapters.

Every adapter writes an update the same way: each path's value replaces what is at that path, and
nothing else in the document changes (Firestore: `set(nested(paths), merge=list(paths))`, which
also creates a missing document).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from callbot.call_document import Part


def field_paths(changes: Part, prefix: str = "") -> dict[str, Any]:
    """The fields `changes` sets: a `Part` field by field, a map in a part key by key, any other value
    whole, in the model's field order."""
    paths: dict[str, Any] = {}
    for name, field in type(changes).model_fields.items():
        if name not in changes.model_fields_set:
            continue
        path, value = prefix + (field.alias or name), getattr(changes, name)
        if isinstance(value, Part):
            paths.update(field_paths(value, path + "."))
        elif isinstance(value, dict):
            paths.update({f"{path}.{key}": item for key, item in value.items()})
        else:
            paths[path] = value.model_dump(by_alias=True, exclude_unset=True) if isinstance(value, BaseModel) else value
    for key, value in (changes.model_extra or {}).items():
        paths[prefix + key] = value
    return paths


def nested(paths: dict[str, Any]) -> dict[str, Any]:
    """The paths as one nested dict."""
    document: dict[str, Any] = {}
    apply(document, paths)
    return document


def apply(document: dict[str, Any], paths: dict[str, Any]) -> None:
    """Write `paths` into `document` (copies of the values), as Firestore would."""
    for path, value in paths.items():
        *parents, leaf = path.split(".")
        part = document
        for name in parents:
            child = part.get(name)
            if not isinstance(child, dict):
                child = part[name] = {}
            part = child
        part[leaf] = copy.deepcopy(value)


def lookup(document: dict[str, Any], path: str) -> Any | None:
    """The value at `path`, None when any part of it is missing."""
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value
