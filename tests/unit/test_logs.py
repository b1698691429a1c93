import json
import logging

from callbot.logs import CloudLoggingFormatter, bind_call, mask


def test_mask_hides_phone_numbers_and_emails_but_keeps_call_ids():
    masked = mask("caller +1 (415) 555-0123 <jane.doe@acme.io> on CA0123456789abcdef0123456789abcdef")
    assert "555" not in masked and "jane" not in masked
    assert "***23" in masked and "j***@acme.io" in masked
    assert "CA0123456789abcdef0123456789abcdef" in masked


def test_formatter_writes_cloud_logging_json_with_call_id_and_masked_fields():
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "from %s", ("+14155550123",), None)
    record.email = "bob@example.com"
    with bind_call("CA42"):
        line = json.loads(CloudLoggingFormatter().format(record))
    assert line["severity"] == "WARNING"
    assert line["call_id"] == "CA42" and line["logging.googleapis.com/labels"] == {"call_id": "CA42"}
    assert "4155550123" not in line["message"]
    assert line["email"] == "b***@example.com"


def test_mask_hides_url_encoded_numbers_and_emails():
    line = "POST /Messages.json To=%2B14155550123&From=%2B14155550100&Email=dana.w%2Bx%40acme-logistics.com"
    masked = mask(line)
    assert "4155550123" not in masked and "4155550100" not in masked and "dana" not in masked
    assert "To=%2B***23" in masked and "d***%40acme-logistics.com" in masked


def test_extra_objects_and_keys_are_masked_too():
    class Lead:
        def __str__(self) -> str:
            return "Lead(email=dana@acme.io, phone=+14155550123)"

    record = logging.LogRecord("t", logging.INFO, __file__, 1, "saved", (), None)
    record.lead, record.by_phone, record.seen = Lead(), {"+14155550123": 2}, {"bob@example.com"}
    line = CloudLoggingFormatter().format(record)
    assert "dana@" not in line and "4155550123" not in line and "bob@" not in line
    entry = json.loads(line)
    assert entry["lead"] == "Lead(email=d***@acme.io, phone=***23)" and entry["by_phone"] == {"***23": 2}


def test_dates_and_addresses_are_not_taken_for_phone_numbers():
    masked = mask("GET http://127.0.0.1:8080/x on 2026-12-01 from 415-555-0123 or 555 0123")
    assert "http://127.0.0.1:8080/x on 2026-12-01" in masked and "0123" not in masked
