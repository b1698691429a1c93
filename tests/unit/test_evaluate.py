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
    text = render("vertexai", [Verdict("asks_for_human", [], [400, 600], [100], []),
                               Verdict("product_question", ["the bot never said 'Pricing'"], [900], [50, 70], [300])])
    lines = text.splitlines()
    assert lines[1].split() == ["PASS", "asks_for_human", "500", "/", "100", "/", "-"]
    assert lines[2].split() == ["FAIL", "product_question", "900", "/", "60", "/", "300"]
    assert lines[3] == "        - the bot never said 'Pricing'"
    assert lines[4].startswith("1/2 passed; over all calls: turn latency median 600 ms (n=3)")
