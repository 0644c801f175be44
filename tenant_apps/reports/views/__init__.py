"""The reports' pages (pages.py) and their exports (exports.py)."""
