from dataclasses import replace

from bot.message import Message
from bot.router import MAX_TEXT, route, split_command


def test_known_word_is_a_subcommand_and_is_stripped():
    name, msg = split_command(Message(text="help ask"))
    assert name == "help" and msg.text == "ask" and msg.command == "help"


def test_command_word_followed_by_a_newline_or_tab_is_still_a_command():
    name, msg = split_command(Message(text="frame\nDear Acme team,\nabout forced labour"))
    assert name == "frame" and msg.text == "Dear Acme team,\nabout forced labour"
    name, msg = split_command(Message(text="pipeline\t"))
    assert name == "pipeline" and msg.text == ""


def test_free_text_falls_back_to_ask():
    name, msg = split_command(Message(text="How do I frame this for a company?"))
    assert name == "ask" and msg.text == "How do I frame this for a company?"


def test_slash_prefixed_word_and_case_are_understood():
    assert split_command(Message(text="/HELP"))[0] == "help"


def test_empty_text_shows_help():
    assert split_command(Message(text="   "))[0] == "help"


def test_explicit_command_wins_over_text():
    name, msg = split_command(Message(text="help", command="ask"))
    assert name == "ask" and msg.text == "help"


def test_oversized_text_is_refused_without_running_an_intent():
    reply = route(Message(text="x" * (MAX_TEXT + 1)), services=None)
    assert not reply.ok and "8,000" in reply.text


def test_failing_intent_becomes_an_apology_with_reference(monkeypatch):
    import intents.help

    def boom(message, services):
        raise RuntimeError("kaput")

    monkeypatch.setattr(intents.help, "INTENT", replace(intents.help.INTENT, handler=boom))
    reply = route(Message(text="help"), services=None)
    assert not reply.ok and "reference" in reply.text and "kaput" not in reply.text


def test_help_lists_every_intent():
    import intents

    reply = route(Message(text="help"), services=None)
    for name in intents.INTENTS:
        assert intents.load(name).usage.split()[0] in reply.text


def test_help_for_unknown_command_is_friendly():
    reply = route(Message(text="help frobnicate"), services=None)
    assert not reply.ok and "frobnicate" in reply.text
