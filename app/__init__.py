"""WSIS+20 fact sheet API: the RIPE NCC fact sheet and the sourced records behind it."""

__version__ = "0.1.0"
