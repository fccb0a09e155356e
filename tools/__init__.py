"""Maintenance tools: seed building and the crash test."""
