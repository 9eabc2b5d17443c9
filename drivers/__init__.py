"""Device drivers: one folder per device kind (codec, driver, simulator)."""
