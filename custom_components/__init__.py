"""Custom integrations of this repository (a package so tests import the working tree)."""
