"""The archive's rules in plain Python: standard library only, no I/O (a test enforces it)."""
