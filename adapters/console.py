"""The terminal adapter behind `pse-bot chat` and `pse-bot ask`: plain text in, plain text out, no tokens."""

from __future__ import annotations

import getpass
from typing import Callable, TextIO

from bot.message import Message
from bot.reply import Form, Reply
from bot.router import route
from markup.dialect import clean, to_plain

PROMPT = "you› "
GOODBYE = {"quit", "exit", "bye", ":q"}


def console_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "local"


def to_message(text: str, user: str | None = None, **extra) -> Message:
    return Message(text=text, user_id=user or console_user(), user_name=user or console_user(),
                   platform="console", channel_id="console", channel_kind="console", **extra)


def render(reply: Reply) -> str:
    """Plain text: the dialect's markup is dropped, tables aligned, bidi and zero-width characters removed."""
    return reply.as_text()


def fill_form(form: Form, ask: Callable[[str], str], out: TextIO) -> dict[str, str] | None:
    """Ask for each field of a form at the prompt. Returns None when the user cancels with an empty required field."""
    out.write(f"{clean(form.title)} (leave a required field empty to cancel)\n")
    values: dict[str, str] = {}
    for f in form.fields:
        label = clean(f.label) + (" *" if f.required else "")
        if f.options:
            label += " [" + " / ".join(clean(v) for v, _ in f.options if v) + "]"
        if f.initial:
            label += f" ({clean(f.initial)})"
        if f.hint:
            label += f" — {to_plain(f.hint)}"
        try:
            answer = ask(f"  {label}: ").strip() or f.initial
        except EOFError:  # piped input ran out mid-form: say so, keep the session, no traceback
            out.write(f"\nThe input ended before “{clean(f.label)}”; nothing was saved. Type the command in one line "
                      "instead (see `help`).\n")
            return None
        if f.required and not answer:
            out.write("Cancelled; nothing was saved.\n")
            return None
        values[f.name] = answer
    return values


def handle_line(text: str, services, user: str | None = None, ask: Callable[[str], str] = input,
                out: TextIO | None = None) -> Reply:
    reply = route(to_message(text, user), services)
    # A form asks for its fields one by one, then is submitted as the same command with the values.
    while reply.form is not None and out is not None:
        out.write(render(reply) + "\n" if reply.text else "")
        values = fill_form(reply.form, ask, out)
        if values is None:
            return Reply(text="")
        reply = route(to_message("", user, command=reply.form.command, form=values), services)
    return reply


def run_chat(services, stdin: Callable[[str], str] = input, out: TextIO | None = None) -> None:
    import sys

    out = out or sys.stdout
    out.write("PSE Assistant — ask a question, or type `help`. `quit` to leave.\n")
    while True:
        try:
            line = stdin(PROMPT)
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return
        if line.strip().lower() in GOODBYE:
            return
        if not line.strip():
            continue
        reply = handle_line(line, services, ask=stdin, out=out)
        text = render(reply)
        if text:
            out.write(text + "\n\n")
        out.flush()
