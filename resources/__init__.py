"""Data files shipped with bwv-review, read through importlib.resources."""
