"""The build stage: `build()` (orchestrate.py) makes every edition through the table of writers (writers.py)."""
