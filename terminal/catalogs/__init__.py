"""Shipped catalog data: one JSON file per region, the schema and the demo guides."""
