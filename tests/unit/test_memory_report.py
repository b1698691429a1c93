"""The relay's memory report (development only): what it holds, line by line, since the first report."""

import asyncio
import json
import tracemalloc

from stream_relay.memory_report import MemoryReport


def test_a_report_names_the_line_that_holds_more_since_the_first(tmp_path):
    held = []

    async def run() -> tuple[dict, dict]:
        report = MemoryReport(str(tmp_path), trace=True)
        report.install()
        try:
            first = json.loads(report.write().read_text())
            held.append(bytearray(4 * 2**20))
            return first, json.loads(report.write().read_text())
        finally:
            tracemalloc.stop()

    first, second = asyncio.run(run())
    assert first["rss_mib"] > 0 and first["rss_after_malloc_trim_mib"] > 0 and first["call_sessions"] == 0
    top = second["top_lines_since_first"][0]
    assert top["where"].startswith(__file__) and top["kib_diff"] >= 4096
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in sorted(tmp_path.glob("relay-*-[12].json"))]


def test_without_tracing_a_report_says_the_rss_before_and_after_the_trim(tmp_path):
    async def run() -> dict:
        report = MemoryReport(str(tmp_path))
        report.install()
        return json.loads(report.write().read_text())

    report = asyncio.run(run())
    assert not tracemalloc.is_tracing() and "traced_mib" not in report
    assert report["rss_mib"] > 0 and report["rss_after_malloc_trim_mib"] > 0 and report["tasks"] == 1
