import pytest

from devtools.simcall import scenario as sc


def test_parses_every_step_kind():
    parsed = sc.parse({"caller": {"number": "+14155550123"}, "language": "en-US", "steps": [
        {"say": "Hi"}, {"wait_bot": {"timeout_s": 5}}, {"pause": {"ms": 200}},
        {"barge_in": {"after_ms": 400, "say": "Sorry"}}, {"dtmf": "0"}, {"cue": "crm_down"}, {"hangup": {}},
        {"drop": {}}]})
    assert parsed.steps == [sc.Say("Hi"), sc.WaitBot(5.0), sc.Pause(200), sc.BargeIn(400, "Sorry"),
                            sc.Dtmf("0"), sc.Cue("crm_down"), sc.Hangup(), sc.Drop()]
    assert parsed.spoken == ["Hi", "Sorry"]


@pytest.mark.parametrize("steps", [[{"jump": 1}], [{"pause": {}}], ["say"], [{"say": "a", "pause": 1}]])
def test_rejects_malformed_steps(steps):
    with pytest.raises(sc.ScenarioError):
        sc.parse({"steps": steps})


def test_the_shipped_demo_scenario_is_valid_and_has_at_least_three_turns():
    demo = sc.load(sc.DEMO_SCENARIO)
    assert len(demo.spoken) >= 3
    assert isinstance(demo.steps[-1], (sc.Hangup, sc.WaitHangup))


def test_a_scenario_may_name_the_callers_voice():
    assert sc.parse({"steps": [], "voice": "hibari-low"}).voice == "hibari-low"
    assert sc.parse({"steps": []}).voice is None
    with pytest.raises(sc.ScenarioError, match="unknown voice 'piper'"):
        sc.parse({"steps": [], "voice": "piper"})
