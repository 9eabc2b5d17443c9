"""The platform side of docs/sync-protocol.md: a reference central server, apart from the kiosk firmware.

Its own distribution (`central/pyproject.toml`, command `gov-central`), so a kiosk's install does not
carry it. It imports only the shared wire contract of the terminal's `sync` package (tokens,
manifest shapes, the error shape, the HTTP server thread); import-linter keeps it that way.
"""
