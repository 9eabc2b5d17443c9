"""Technician diagnostics mode on the touch screen: hidden entry, PIN pad, dashboard, device tests."""
