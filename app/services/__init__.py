"""Queries and rules, one module per resource. Functions take the session first."""
