"""Where the domain meets the drivers and sync: the layer the UI and the commands build on.

`wiring` maps the configuration onto each device kind's own settings and opens devices through
their `open_<kind>` factories; `checks` runs the diagnostics registry (device checks live with
their drivers, outbox and network checks with sync); `technician` and `technician_tools` are
the technician mode's logic; `report` is the readiness report. The domain below never imports
this package (import-linter: `assembly` contract); it never imports ui or Kivy.
"""
