"""One module per thing a user can do. Each declares `INTENT = Intent(...)` (see `intents.contract`).

`REGISTRY` lists every intent once: its name, the module that holds it, and the other words a user may type for
it. Modules are imported only when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from intents.contract import Intent

REGISTRY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("help", "intents.help", ("?",)),
    ("ask", "intents.ask", ("question",)),
    ("admin", "intents.admin", ()),
    ("report", "intents.report", ("indicators",)),
    ("target", "intents.target", ("targets",)),
    ("rate", "intents.rate", ("rates",)),
    ("digest", "intents.digest", ()),
    ("feedback", "intents.feedback", ()),
    ("frame", "intents.frame", ()),
    ("log", "intents.log", ()),
    ("partner", "intents.partner", ()),
    ("pipeline", "intents.pipeline", ("partners",)),
    ("stage", "intents.stage", ()),
    ("diligence", "intents.diligence", ("dd",)),
    ("export", "intents.export", ()),
    ("kb", "intents.kb", ()),
)

INTENTS: dict[str, str] = {name: module for name, module, _ in REGISTRY}
ALIASES: dict[str, str] = {word: name for name, _, words in REGISTRY for word in words}


def resolve(word: str) -> str | None:
    """The canonical intent name for a typed word, or None."""
    w = word.lower().strip()
    if w in INTENTS:
        return w
    return ALIASES.get(w)


def load(name: str) -> "Intent":
    """The intent called `name` (imported on first use)."""
    from intents.contract import Intent

    intent = getattr(importlib.import_module(INTENTS[name]), "INTENT", None)
    if not isinstance(intent, Intent) or intent.name != name:
        raise TypeError(f"{INTENTS[name]} must declare INTENT = Intent(name={name!r}, ...)")
    return intent
