"""The lapgate service: composition root, store, web app, standings, exports, sync, CLI."""
