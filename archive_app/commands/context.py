"""What every command shares: settings and services, built once, only when needed."""

from __future__ import annotations

import getpass
import math
import sqlite3

import click

from config.settings import SettingsError, load_settings


class Context:
    def __init__(self):
        self._settings = None
        self._services = None

    @property
    def settings(self):
        """Settings alone: a command that only starts other processes builds no backends."""
        if self._settings is None:
            try:
                self._settings = load_settings()
            except SettingsError as exc:
                raise click.ClickException(str(exc)) from None
            except OSError as exc:  # ARCHIVE_DATA_DIR names a file, or cannot be made
                raise click.ClickException(f"ARCHIVE_DATA_DIR: {exc}") from None
        return self._settings

    @property
    def services(self):
        """Built on first use and closed when the command ends: a command run inside another
        process (a test, a script calling the CLI) must not leave its database connections
        to the collector."""
        if self._services is None:
            from archive_app.services import build_services

            try:
                self._services = build_services(self.settings)
            except SettingsError as exc:
                raise click.ClickException(str(exc)) from None
            except (OSError, sqlite3.Error) as exc:  # a data folder this user cannot write
                raise click.ClickException(
                    f"the archive's data in {self.settings.data_dir} cannot be opened for"
                    f" writing: {exc}"
                ) from None
            current = click.get_current_context(silent=True)
            if current is not None:
                current.find_root().call_on_close(self._close)
        return self._services

    def _close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None

    def reload(self) -> None:
        """Read the settings and build the services again (after a restore put the data
        folder's secret back)."""
        self._close()
        self._settings = None


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def cli_actor() -> str:
    """Audit name for work done at the command line."""
    return f"cli:{getpass.getuser()}"


class Seconds(click.FloatRange):
    """A number of seconds within bounds. click's FloatRange lets nan through (no comparison
    with nan is true), and `watch` took nan, then crashed at its first pause."""

    name = "seconds"

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds
