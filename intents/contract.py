"""The typed contract between the router and the intents.

Every intent module declares one `INTENT = Intent(...)`: its name, one-line summary, usage line, the role it
needs (one role, or a function of the message for intents whose sub-commands need more), and its handler; and,
for people who ask how to use the bot rather than type a command, `examples` (commands that work as typed,
shown by `help COMMAND` and by answers about the bot; an example may be a (command, what it does) pair, and an
answer picks the example whose note is closest to the question) and `asks` (the ways people ask for this command
in plain words, which `intents.usage` compares a question with).
The words a user may type for it are listed once, in the registry (`intents/__init__.py`), so the router can
resolve a word without importing any intent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal, Protocol

from bot.message import Message
from bot.reply import Reply

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.base import KnowledgeBase
    from storage.store import Store

Role = Literal["guest", "staff", "lead", "admin"]
ROLES: tuple[Role, ...] = ("guest", "staff", "lead", "admin")


class Services(Protocol):
    """What an intent may use; built once per process by the composition root (`bot.app`)."""

    settings: Any

    @property
    def store(self) -> "Store": ...

    @property
    def knowledge(self) -> "KnowledgeBase": ...


Handler = Callable[[Message, Services], Reply]


@dataclass(frozen=True)
class Intent:
    name: str
    summary: str
    usage: str
    handler: Handler
    access: Role | Callable[[Message], Role] = "staff"
    examples: tuple[str | tuple[str, str], ...] = ()
    asks: tuple[str, ...] = ()
    notes: dict[str, str] = field(default_factory=dict, compare=False)  # example → what it does (from the pairs)

    def __post_init__(self) -> None:
        if not callable(self.access) and self.access not in ROLES:
            raise ValueError(f"intent {self.name}: unknown role {self.access!r}")
        pairs = [e if isinstance(e, tuple) else (e, "") for e in self.examples]
        object.__setattr__(self, "examples", tuple(command for command, _ in pairs))
        object.__setattr__(self, "notes", {**self.notes, **{command: note for command, note in pairs if note}})
        for example in self.examples:
            if example.split(maxsplit=1)[:1] != [self.name]:
                raise ValueError(f"intent {self.name}: example {example!r} must start with {self.name!r}")

    def required_role(self, message: Message) -> str:
        return self.access(message) if callable(self.access) else self.access

    def __call__(self, message: Message, services: Services) -> Reply:
        return self.handler(message, services)
