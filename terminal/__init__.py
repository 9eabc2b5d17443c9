"""Core of the 24-hour government self-service terminal firmware.

The core never imports Kivy: the UI in `ui/` is a thin view over what lives here.
"""

__version__ = "0.1.0"
