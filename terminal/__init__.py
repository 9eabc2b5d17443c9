"""The domain of the 24-hour government self-service terminal firmware, and the composition root on top.

The domain (every module here but `cli` and `commands`) imports nothing of ours above it and never
Kivy: drivers, sync and the UI build on it. `cli` and `commands` are the composition root, which
builds all of those. docs/architecture.md draws the layers; import-linter checks them.
"""

__version__ = "0.1.0"
