"""`help`: what the bot can do, or how to use one command."""

from __future__ import annotations

import intents
from bot.message import Message
from bot.reply import Reply
from intents.contract import Intent
from intents.usage import INTRO, example_line, typed

NAME = "help"
SUMMARY = "what I can do, or `help COMMAND` for one command"
USAGE = "help [COMMAND]"
ACCESS = "guest"


def handle(message: Message, services) -> Reply:
    word = message.text.strip().split(maxsplit=1)[0] if message.text.strip() else ""
    if word:
        name = intents.resolve(word)
        if name is None:
            return Reply.problem(f"I don't know the command `{word}`. Type `help` to see them all.")
        intent = intents.load(name)
        lines = [f"`{typed(message, intent.usage)}`", intent.summary]
        if intent.examples:
            lines.append("Examples:")
            lines += [example_line(message, e, intent.notes) for e in intent.examples]
        return Reply(text="\n".join(lines), private=True)
    lines = [INTRO, "Ask a question in your own words, or start with one of these words:"]
    for name in intents.INTENTS:
        intent = intents.load(name)
        lines.append(f"• `{intent.usage}` — {intent.summary}")
    return Reply(text="\n".join(lines), private=True)


EXAMPLES = (
    "help",
    "help log",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "what can you do?",
    "what can you help me with?",
    "which commands are there?",
    "how do I use this assistant?",
    "what do I type to get the bot to do something?",
    "how do I get started with the PSE Assistant?",
    "what do I type first to get started with the bot?",
    "how does this thing work?",
    "tell me what you can do",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
