"""Renderers: rows in, bytes out. Pure functions that never read the clock, so the same data
always gives the same bytes (and the same ETag)."""
