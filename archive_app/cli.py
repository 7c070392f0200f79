"""`archive`: the command line. A thin click layer over the same services the web uses."""

from __future__ import annotations

import click

from archive_app.commands import admin, backup, ingest, recap, recordkeeping, run


@click.group()
def main():
    """Election-records archive: ingest, search and keep KPU election forms."""


for _module in (run, admin, ingest, recordkeeping, recap, backup):
    _module.register(main)
