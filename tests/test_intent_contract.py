"""Every registered intent keeps the typed contract the router relies on (intents/contract.py)."""

import sys
import types

import pytest

import intents
from bot.message import Message
from intents.contract import ROLES, Intent


@pytest.mark.parametrize("name", list(intents.INTENTS))
def test_each_intent_declares_its_contract(name):
    intent = intents.load(name)
    assert isinstance(intent, Intent) and intent.name == name
    assert intent.summary and intent.usage.split()[0] == name
    assert intent.required_role(Message(text="")) in ROLES


def test_words_resolve_through_the_one_registry():
    for name, _, words in intents.REGISTRY:
        assert intents.resolve(name.upper()) == name
        for w in words:
            assert intents.resolve(w) == name
    assert intents.resolve("no-such-command") is None


def test_a_module_without_an_intent_is_refused(monkeypatch):
    mod = types.ModuleType("pse_test_no_intent")
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(intents.INTENTS, "zznone", mod.__name__)
    with pytest.raises(TypeError, match="must declare INTENT"):
        intents.load("zznone")


def test_an_unknown_role_is_refused_when_declared():
    with pytest.raises(ValueError, match="unknown role"):
        Intent(name="x", summary="x", usage="x", handler=lambda m, s: None, access="superuser")  # type: ignore[arg-type]
