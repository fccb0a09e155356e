"""Mutation testing of the core modules: python -m tools.mutation (README, \"Mutation testing\")."""
