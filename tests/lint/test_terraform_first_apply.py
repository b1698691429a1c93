"""What a first apply in a fresh project, and every plan after it, need from `terraform/` that
neither checkov nor a provider-less parse checks: facts of Google's services that the provider
does not enforce at plan time (python-hcl2 on the configuration, no provider needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


@pytest.fixture(scope="module")
def resources() -> dict[str, dict[str, Any]]:
    """The root module's resources, as `type.name` -> body."""
    found = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        with path.open() as file:
            parsed = hcl2.load(file, serialization_options=OPTIONS)
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                found.update({f"{kind}.{name}": body for name, body in named.items()})
    return found


def of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {address: body for address, body in resources.items() if address.split(".")[0] == kind}


def test_vector_indexes_list_the_document_key_before_the_vector_field(resources):
    """Firestore adds `__name__` to a composite index, before the vector field, and the provider
    reads it back there; `fields` forces a new index, so an index declared without it is destroyed
    and re-created on every apply."""
    indexes = {address: [field["field_path"] for field in body["fields"]]
               for address, body in of_type(resources, "google_firestore_index").items()
               if any("vector_config" in field for field in body["fields"])}
    assert indexes, "no vector index: check this test still looks at the knowledge base's"
    for address, paths in indexes.items():
        body = resources[address]
        assert "vector_config" in body["fields"][-1], f"{address}: the vector field comes last"
        assert paths[-2] == "__name__", f"{address}: fields {paths} need __name__ just before the vector field"
        assert body["fields"][-2].get("order") == "ASCENDING", address
