"""Diagnostics and the rules a schema cannot say; positions of problems."""
