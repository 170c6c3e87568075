"""One module per thing a user can do. Each exposes NAME, SUMMARY, USAGE and `handle(message, services) -> Reply`.

`INTENTS` maps the sub-command word to its module path; modules are imported only when first used.
`ALIASES` maps extra words a user may type to the canonical intent name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

INTENTS: dict[str, str] = {
    "help": "intents.help",
    "ask": "intents.ask",
    "admin": "intents.admin",
    "report": "intents.report",
    "target": "intents.target",
    "digest": "intents.digest",
    "feedback": "intents.feedback",
    "frame": "intents.frame",
    "log": "intents.log",
    "partner": "intents.partner",
    "pipeline": "intents.pipeline",
    "stage": "intents.stage",
    "diligence": "intents.diligence",
    "export": "intents.export",
}

ALIASES: dict[str, str] = {
    "?": "help",
    "question": "ask",
    "targets": "target",
    "indicators": "report",
    "partners": "pipeline",
    "dd": "diligence",
}


def resolve(word: str) -> str | None:
    """The canonical intent name for a typed word, or None."""
    w = word.lower().strip()
    if w in INTENTS:
        return w
    return ALIASES.get(w)


def load(name: str) -> ModuleType:
    return importlib.import_module(INTENTS[name])
