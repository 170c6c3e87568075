"""Adapters translate a platform's events into `bot.message.Message` and render `bot.reply.Reply` back.

They hold no business rules. Platform SDKs (slack-bolt, botbuilder) are imported only here.
"""
