"""Maintenance tools: seed building, the crash test, OpenAPI examples and mutation testing."""
