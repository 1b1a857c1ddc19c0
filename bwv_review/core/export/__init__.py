"""bwv-review."""
