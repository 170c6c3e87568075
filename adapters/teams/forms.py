"""Forms as Adaptive Cards: the partner list a form card offers (only partners the user may see, no NDA
partners in shared channels), and the blank form used to redraw a rejected submission."""

from __future__ import annotations

import logging
from dataclasses import replace

from adapters.common.workers import Workers
from adapters.teams.form_cards import form_card
from bot.message import Message
from bot.reply import Form
from records import access
from records.names import exact_partner, suggest_partners

log = logging.getLogger("pse.teams")

PARTNER_CHOICES = 60


def partner_choices(store, message: Message) -> list[tuple[str, str]]:
    """(name, label) pairs of partners this user may see, for the partner list of a form card.

    A card in a channel is read by everyone there, so partners under an NDA are left out of it.
    """
    try:
        user = access.current_user(store, message)
        if not user.at_least("staff"):
            return []
        out: list[tuple[str, str]] = []
        for value, label in suggest_partners(store, "", PARTNER_CHOICES, viewer=user):
            partner = exact_partner(store, value, viewer=user)
            if partner is not None and access.can_see_confidential_details(user, partner, message):
                out.append((value, label))
        return out
    except Exception:  # noqa: BLE001 - a list of choices is a convenience; the text box still works
        log.exception("could not list partners for the Teams card")
        return []


class Forms:
    def __init__(self, services, workers: Workers):
        self.services = services
        self.workers = workers

    async def card(self, form: Form, message: Message, values=None, errors=None, intro: str = "") -> dict:
        choices: list[tuple[str, str]] = []
        if any(f.kind == "partner" for f in form.fields):
            choices = await self.workers.quick(partner_choices, self.services.store, message)
        return form_card(form, values=values, errors=errors, intro=intro, partner_choices=choices)

    async def blank(self, message: Message) -> Form | None:
        """The empty form for a command, to redraw a rejected submission when the intent did not return it."""
        reply = await self.workers.run(replace(message, form=None, text=""), self.services)
        return reply.form if reply.form is not None and reply.form.command == message.command else None
