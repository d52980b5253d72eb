"""Offline-first sync of every on-site store to one central store.

`pusher` runs in the on-site daemon and sends what the central service has not
acknowledged (`board.store.outbox` keeps the watermarks); `ingest` is the central side's
Socket.IO namespace that applies deliveries idempotently; `league_app` is the central
service (`lapgate league`). `wire` is the shared record format.
"""
