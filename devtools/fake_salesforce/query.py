"""Run a parsed SOQL query against the store and shape the answer as the REST `query` resource does."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from devtools.fake_salesforce.schema import sobject
from devtools.fake_salesforce.soql import Query, check_path, parse
from devtools.fake_salesforce.store import Store


def run(text: str, store: Store, version: str) -> dict[str, Any]:
    """`{"totalSize", "done", "records"}` for the SOQL `text`."""
    query = parse(text)
    obj = sobject(query.sobject)
    for path in (*query.fields, *(p for p, _ in query.order_by), *_paths(query.where)):
        check_path(obj.name, path)
    rows = [r for r in store.all(obj.name) if query.where is None or _holds(query.where, store, obj.name, r)]
    for path, descending in reversed(query.order_by):
        rows.sort(key=lambda r, p=path: _sort_key(resolve(store, obj.name, r, p)), reverse=descending)
    rows = rows[: query.limit] if query.limit is not None else rows
    records = [_shape(store, obj.name, row, query, version) for row in rows]
    return {"totalSize": len(records), "done": True, "records": records}


def attributes(name: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": name, "url": f"/services/data/v{version}/sobjects/{name}/{record_id}"}


def resolve(store: Store, name: str, record: dict[str, Any] | None, path: str) -> Any:
    """The value at a field path such as `Owner.Name`; None when a lookup on the way is empty."""
    *relations, last = path.split(".")
    for relation in relations:
        if record is None:
            return None
        target = store.by_id(record.get(sobject(name).canonical(relation + "Id") or "", ""))
        name, record = target if target else (name, None)
    if record is None:
        return None
    return record.get(sobject(name).canonical(last) or last)


def _shape(store: Store, name: str, row: dict[str, Any], query: Query, version: str) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": attributes(name, row["Id"], version)}
    for path in query.fields:
        _place(store, out, name, row, path.split("."), version)
    return out


def _place(store: Store, out: dict, name: str, row: dict | None, steps: list[str], version: str) -> None:
    """Write one selected path into `out`, nesting relationships as `{"Owner": {"attributes", "Name"}}`."""
    obj = sobject(name)
    if len(steps) == 1:
        field = obj.canonical(steps[0]) or steps[0]
        out[field] = row.get(field) if row else None
        return
    relation = (obj.canonical(steps[0] + "Id") or steps[0] + "Id")[:-2]
    target = store.by_id(row.get(relation + "Id") or "") if row else None
    if target is None:
        out[relation] = None
        return
    child = out.get(relation) or {"attributes": attributes(target[0], target[1]["Id"], version)}
    out[relation] = child
    _place(store, child, target[0], target[1], steps[1:], version)


def _paths(condition: tuple | None) -> list[str]:
    if condition is None:
        return []
    if condition[0] in ("and", "or"):
        return [p for part in condition[1] for p in _paths(part)]
    if condition[0] == "not":
        return _paths(condition[1])
    return [condition[1]]


def _holds(condition: tuple, store: Store, name: str, record: dict[str, Any]) -> bool:
    kind = condition[0]
    if kind == "and":
        return all(_holds(c, store, name, record) for c in condition[1])
    if kind == "or":
        return any(_holds(c, store, name, record) for c in condition[1])
    if kind == "not":
        return not _holds(condition[1], store, name, record)
    value = resolve(store, name, record, condition[1])
    if kind == "in":
        found = any(_compare(value, "=", literal) for literal in condition[3])
        return found != condition[2]
    if kind == "like":
        return value is not None and _like(condition[2]).fullmatch(str(value)) is not None
    return _compare(value, condition[2], condition[3])


def _compare(value: Any, op: str, literal: Any) -> bool:
    if literal is None or value is None:
        equal = value is None and literal is None
        return {"=": equal, "!=": not equal, "<>": not equal}.get(op, False)
    left, right = _comparable(value, literal)
    if left is None:
        return op in ("!=", "<>")
    return {"=": left == right, "!=": left != right, "<>": left != right, "<": left < right,
            "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _comparable(value: Any, literal: Any) -> tuple[Any, Any]:
    """Both sides in one type; (None, None) when the stored value cannot be read as the literal's type."""
    try:
        if isinstance(literal, bool):
            return bool(value), literal
        if isinstance(literal, float):
            return float(value), literal
        if isinstance(literal, datetime):
            return datetime.fromisoformat(str(value)), literal
        if isinstance(literal, date):
            return date.fromisoformat(str(value)[:10]), literal
    except (TypeError, ValueError):
        return None, None
    return str(value).casefold(), str(literal).casefold()


def _like(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\\[%_]|[%_])", pattern)
    regex = "".join({"%": ".*", "_": "."}.get(p, re.escape(p[-1] if p in ("\\%", "\\_") else p)) for p in parts)
    return re.compile(regex, re.IGNORECASE | re.DOTALL)


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, str(value).casefold() if isinstance(value, str) else value)
