"""Spec -> templates: the compile step's modules (the rest of the flat layout moves here)."""
