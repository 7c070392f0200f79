"""The ObjectStore port and its adapters."""
