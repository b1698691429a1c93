"""The call console in a real browser (Debian's chromium driven by Playwright; no browser is
downloaded), on the local stack, over a call placed through every process: the list, the call's
page with its transcript, recording and waterfall, a post-call re-run, and the overview.

Screenshots of the three pages and of a turn's trace go to $CALLBOT_CONSOLE_SCREENS (default
/tmp/console_screens)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENS = Path(os.environ.get("CALLBOT_CONSOLE_SCREENS", "/tmp/console_screens"))
SEC = 1000  # Playwright's timeouts are in ms


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is missing: `make install` installs it (scripts/check-system)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--autoplay-policy=no-user-gesture-required"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30 * SEC)
    try:
        yield page
    finally:
        context.close()


def test_a_call_is_found_in_the_list_heard_and_its_post_call_run_again(local_stack, three_turns_call, page):
    call_sid = three_turns_call["call_sid"]
    SCREENS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{local_stack.console_url}/calls")
    row = page.locator(f'tr[data-call-id="{call_sid}"]')
    assert row.count() == 1
    assert "+14155550197" not in row.inner_text() and "***97" in row.inner_text()  # the caller, masked
    page.screenshot(path=str(SCREENS / "calls.png"), full_page=True)

    row.locator("a").click()
    page.wait_for_url(f"**/calls/{call_sid}")
    caller_lines = page.locator(".transcript .line.caller .text").all_inner_texts()
    assert caller_lines == ["Hello there.", "Do you integrate with our CRM?", "Actually, wait.", "pressed 0"]
    [cut] = page.locator(".transcript .line.interrupted").all()
    assert "interrupted: the caller heard" in cut.inner_text()

    # the recording: both directions of the whole call (the caller's track is one 20 ms frame per
    # media message the simulated phone sent)
    duration = page.wait_for_function(
        "() => { const p = document.getElementById('player'); return p.readyState >= 1 && p.duration; }").json_value()
    assert abs(duration - three_turns_call["twilio"]["media_out"] * 0.02) < 1.0
    second = page.locator(".transcript .line.caller").nth(1)
    at = float(second.get_attribute("data-t"))
    second.click()  # seeks there and plays
    page.wait_for_function(f"() => document.getElementById('player').currentTime > {at} + 0.2")
    assert page.evaluate("document.getElementById('player').paused") is False
    page.evaluate("document.getElementById('player').pause()")

    # one waterfall row per measured turn, each linked to its trace
    assert page.locator("#latency tr.turn").count() == len(three_turns_call["turns"])
    page.screenshot(path=str(SCREENS / "call.png"), full_page=True)
    traces = [link.get_attribute("href") for link in page.locator("#latency a.trace").all()]
    assert len(traces) == len(three_turns_call["turns"])

    # a turn's trace crosses the processes: the relay, agent_turn, and the action it asked for
    services = []
    for trace in traces:
        page.goto(f"{local_stack.console_url}{trace}")
        assert page.locator("tr.span", has_text="caller turn").count() == 1  # one turn, one trace
        services.append({row.get_attribute("data-service") for row in page.locator("tr.span").all()})
        if "knowledge_action" in services[-1]:
            page.screenshot(path=str(SCREENS / "trace.png"), full_page=True)
    assert all({"relay", "agent_turn"} <= found for found in services), services
    assert page.locator("tr.span", has_text="reply received").count() >= 1  # the reply back at the relay
    assert any("knowledge_action" in found for found in services), services  # "Do you integrate with our CRM?"
    page.goto(f"{local_stack.console_url}/calls/{call_sid}")

    before = int(page.locator(".post-call").get_attribute("data-run"))
    page.get_by_role("button", name="Run post-call again").click()
    page.wait_for_url(f"**/calls/{call_sid}?rerun=*")
    page.wait_for_selector(f'.post-call[data-run="{before + 1}"][data-status="processed"]', timeout=90 * SEC)
    assert f"run {before + 1}: processed" in page.locator(".post-call .run").inner_text()

    page.goto(f"{local_stack.console_url}/overview")
    assert page.locator("table.days tbody tr").count() == 14
    # today's row (the first) counts this call and its measured turns, read across calls from Firestore
    today = page.locator("table.days tbody tr").first.locator("td").all_inner_texts()
    assert int(today[1]) >= 1 and int(today[5]) >= len(three_turns_call["turns"])
    page.screenshot(path=str(SCREENS / "overview.png"), full_page=True)


def test_bad_input_is_a_readable_page_in_the_browser(local_stack, page):
    response = page.goto(f"{local_stack.console_url}/calls/CAnosuchcall")
    assert response.status == 404 and "there is no call" in page.locator(".error").inner_text()
    response = page.goto(f"{local_stack.console_url}/calls?outcome=won&page=999999999999")
    assert response.status == 400 and "outcome" in page.locator(".error").inner_text()
