"""Fixtures for the ingest tests. ``ocr_settings`` is named so because tests/conftest.py already
has a ``settings`` fixture: the archive's settings, a different object."""

from __future__ import annotations

import pytest

from ingest.models import Limits, OcrSettings


@pytest.fixture
def ocr_settings() -> OcrSettings:
    return OcrSettings()


@pytest.fixture
def limits() -> Limits:
    return Limits()
