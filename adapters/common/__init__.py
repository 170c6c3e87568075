"""What every chat platform adapter needs, written once: duplicate-delivery checks (`dedupe`), error replies
with a reference id (`errors`), the worker pool that runs intents after the acknowledgement (`workers`),
proactive sends for the digest scheduler (`proactive`) and long-reply chunking (`chunking`)."""
