"""`help`: what the bot can do, or how to use one command."""

from __future__ import annotations

import intents
from bot.message import Message
from bot.reply import Reply
from intents.contract import Intent

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
        return Reply(text=f"`{intent.usage}`\n{intent.summary}", private=True)
    lines = ["I answer questions from your PSE guidance, log partner work and report indicators.",
             "Ask a question in your own words, or start with one of these words:"]
    for name in intents.INTENTS:
        intent = intents.load(name)
        lines.append(f"• `{intent.usage}` — {intent.summary}")
    return Reply(text="\n".join(lines), private=True)


INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS)
