import io
import json
import logging
from dataclasses import replace

from bot import logs
from bot.message import Message
from bot.router import route


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_setup_writes_one_json_object_per_line_with_extra_fields():
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.setup("INFO", stream=out)
        logging.getLogger("pse.test").info("request", extra={"request_id": "r-1", "intent": "log"})
        logging.getLogger("pse.test").debug("not shown at INFO")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    (line,) = json_lines(out)
    assert line["event"] == "request" and line["request_id"] == "r-1" and line["intent"] == "log"
    assert line["level"] == "info" and line["logger"] == "pse.test" and line["at"].endswith("+00:00")


def test_a_failing_intent_logs_where_it_failed_but_never_the_users_words(monkeypatch):
    import intents.help

    secret = "Quiet Nets Co agreed to hire 12 survivors"

    def boom(message, services):
        raise ValueError(f"could not parse {message.text!r} {secret}")

    monkeypatch.setattr(intents.help, "INTENT", replace(intents.help.INTENT, handler=boom))
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("pse.router")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        reply = route(Message(text=f"help {secret}", request_id="req-42"), services=None)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert not reply.ok and "reference" in reply.text
    lines = json_lines(out)
    failed = [x for x in lines if x["event"] == "intent failed"]
    assert failed and failed[0]["error_type"] == "ValueError" and "boom" in failed[0]["where"]
    assert failed[0]["request_id"] == "req-42" and failed[0]["ref"] in reply.text
    assert [x["outcome"] for x in lines if x["event"] == "request"] == ["error"]
    assert secret not in out.getvalue() and "Quiet Nets" not in out.getvalue()


def test_formatter_drops_the_exception_message_of_any_logger():
    words = "summary: met Acme about placements"
    try:
        raise RuntimeError(words)
    except RuntimeError:
        import sys

        record = logging.LogRecord("pse.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["error_type"] == "RuntimeError" and "Acme" not in json.dumps(line)
