"""`callbot eval` without a provider's credentials says why and skips, successfully."""

import pytest

from devtools import cli
from devtools.evaluate import Verdict, credentials_missing, render


@pytest.mark.parametrize("provider, variable", [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")])
def test_a_provider_without_credentials_is_skipped(provider, variable, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(variable, raising=False)
    assert cli.main(["--state-dir", str(tmp_path / "stack"), "eval", "--provider", provider]) == 0
    assert capsys.readouterr().out.startswith(f"skipped: the {provider} provider cannot be called from here: "
                                              f"{variable} is not set")
    monkeypatch.setenv(variable, "key")
    assert credentials_missing(provider) is None
    assert credentials_missing("offline") is None


def test_the_verdicts_are_printed_per_scenario():
    text = render("vertexai", [Verdict("asks_for_human", []), Verdict("product_question", ["the bot never said 'Pricing'"])])
    assert text.splitlines() == ["scenarios against vertexai:", "  PASS  asks_for_human", "  FAIL  product_question",
                                 "        - the bot never said 'Pricing'", "1/2 passed"]
