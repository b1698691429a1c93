"""LangGraph checkpoint savers. `firestore.FirestoreSaver` keeps graph state in Firestore.

`FirestoreSaver` is imported on first use, so importing this package does not load the Firestore
client (a few hundred milliseconds of cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callbot.checkpoint.firestore import FirestoreSaver

__all__ = ["FirestoreSaver"]


def __getattr__(name: str) -> Any:
    if name == "FirestoreSaver":
        from callbot.checkpoint.firestore import FirestoreSaver

        return FirestoreSaver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
