"""ID-card reader (SAM module, GA/T 467): codec, driver, simulator, diagnostics."""
