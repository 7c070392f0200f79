"""The contract suites cover every adapter the settings accept."""

from __future__ import annotations

from config.settings import BACKENDS
from tests.contract.conftest import SERVER_SETTINGS


def test_every_scale_out_adapter_has_a_real_test_server():
    """GIVEN the backends the settings accept WHEN one is not the embedded default THEN the
    contract suites know how to reach its real server (else they could not run on it)."""
    scale_out = {name for names in BACKENDS.values() for name in names[1:]}
    assert scale_out == set(SERVER_SETTINGS)
