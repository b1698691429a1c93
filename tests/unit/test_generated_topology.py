"""`terraform/topology.auto.tfvars.json` is what `scripts/generate_topology.py` writes from the
Python side today."""

from __future__ import annotations

from scripts import generate_topology


def test_the_committed_topology_is_fresh():
    committed = generate_topology.OUTPUT.read_text()
    assert committed == generate_topology.render(), f"stale: run {generate_topology.COMMAND}"
