"""PSE Assistant core: platform-neutral message types, settings, router, store and the `pse-bot` command.

Nothing here imports a chat-platform SDK; adapters/ translate platform events into `Message` and render `Reply`.
"""

__version__ = "0.1.0"
