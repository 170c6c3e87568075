"""The bot runtime: message and reply types, settings, router, scheduler, the `pse-bot` command line and the one
composition root (`bot.app`) that builds every service.

Nothing here imports a chat-platform SDK; adapters/ translate platform events into `Message` and render `Reply`.
"""

__version__ = "0.1.0"
