"""Pure-Python core of bwv-review. Never imports Qt (an import-linter contract checks it)."""
