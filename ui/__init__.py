"""The Kivy touch UI: a thin view over terminal.session (the only top-level folder that imports Kivy)."""
