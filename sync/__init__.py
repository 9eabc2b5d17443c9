"""Storing and delivering cases: the durable outbox, push, the pull API, the reference central server."""
