"""CLI command groups, each registered on the `archive` click group."""
