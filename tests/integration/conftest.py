"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest

from tests.formgen import make_form


@pytest.fixture
def form(tmp_path):
    return make_form(tmp_path / "c-hasil-tps005.png", tps=5, unique_word="Kelapamuda")
