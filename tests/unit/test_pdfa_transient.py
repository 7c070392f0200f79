"""make_pdfa when pikepdf's validator fails for a reason that is not the file's."""

from __future__ import annotations

import warnings
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pikepdf.pdfa._api as pdfa_api
import pytest
from PIL import Image

from ingest.models import OcrSettings
from ingest.pdfa import PdfaError, make_pdfa
from tests.unit.test_pdfa import DESCRIPTION


@pytest.fixture
def scan_pdf(tmp_path) -> Path:
    """A one-page PDF of a PNG scan, the kind the pipeline makes (no born-digital page)."""
    import img2pdf

    png = tmp_path / "page.png"
    Image.new("L", (850, 1100), 255).save(png, dpi=(100, 100))
    path = tmp_path / "searchable.pdf"
    path.write_bytes(img2pdf.convert(str(png)))
    return path


def _flaky_validator(monkeypatch, failures: int) -> list[int]:
    """validate_written raises inside, ``failures`` times, as under load (pikepdf turns that
    into an ``unsupported`` pikepdf:internal finding, so save() raises PdfaError)."""
    real, calls = pdfa_api.validate_written, []

    def flaky(path, flavour, save_kwargs=None):
        calls.append(1)
        if len(calls) <= failures:
            report = pikepdf.pdfa.Report(pikepdf.pdfa._api.Flavour(flavour))
            report.findings.append(
                pikepdf.pdfa._report.Finding(
                    "pikepdf:internal", str(path), "OSError: transient", "unsupported"
                )
            )
            return report
        return real(path, flavour, save_kwargs)

    monkeypatch.setattr(pdfa_api, "validate_written", flaky)
    return calls


def test_given_one_internal_validator_error_then_the_copy_is_still_made(
    scan_pdf, tmp_path, monkeypatch
):
    calls = _flaky_validator(monkeypatch, failures=1)
    result = make_pdfa(scan_pdf, tmp_path / "copy.pdf", DESCRIPTION, OcrSettings(), tmp_path)
    assert result.path.exists() and result.redone_pages == () and len(calls) == 2


def test_given_a_persistent_failure_then_the_error_carries_the_validators_findings(
    scan_pdf, tmp_path, monkeypatch
):
    _flaky_validator(monkeypatch, failures=10)
    with pytest.raises(PdfaError, match="as a whole") as caught:
        make_pdfa(scan_pdf, tmp_path / "copy.pdf", DESCRIPTION, OcrSettings(), tmp_path)
    assert caught.value.findings and "pikepdf:internal" in caught.value.findings[0]


def test_given_a_warning_from_elsewhere_during_the_content_check_then_the_copy_is_still_made(
    scan_pdf, tmp_path, monkeypatch
):
    """pikepdf records every warning raised in the process while it parses a stream, as the
    stream's fault. Here one comes from elsewhere the first time it records, as a
    ResourceWarning does when the collector finds a connection nobody closed."""
    real, warned = warnings.simplefilter, []

    def simplefilter(action, *args, **kwargs):
        real(action, *args, **kwargs)
        if action == "always" and not warned:
            warned.append(action)
            warnings.warn("an unclosed connection was collected", ResourceWarning, stacklevel=1)

    monkeypatch.setattr(warnings, "simplefilter", simplefilter)
    result = make_pdfa(scan_pdf, tmp_path / "copy.pdf", DESCRIPTION, OcrSettings(), tmp_path)
    assert warned and result.path.exists() and result.redone_pages == ()
