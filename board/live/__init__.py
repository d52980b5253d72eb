"""The live core: one owner (the engine host's thread) of the event, its program of rounds,
tracks, runs, queues and brackets; staff commands in one table; typed change messages.
See docs/architecture.md."""
