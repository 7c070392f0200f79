"""Every refusal a person can meet at an upload desk reads in Indonesian: the sentences are
produced by the real checks (sniff, ZIP rules) and none passes through in English."""

from __future__ import annotations

import pytest

from archive_app.intake.reasons import in_indonesian
from ingest import sniff
from ingest.models import RejectedFile


def _refusal(path, limits) -> str:
    with pytest.raises(RejectedFile) as caught:
        sniff.inspect(path, limits)
    return caught.value.message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "Berkas kosong."),
        (b"hello, this is text", "bukan pindaian PDF, TIFF, JPEG atau PNG"),
        (b"%PDF-1.4\n garbage", "Berkas PDF rusak atau tidak lengkap"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "Berkas gambar PNG rusak"),
    ],
)
def test_a_refused_file_says_why_in_indonesian(tmp_path, content, expected):
    """GIVEN a file the intake refuses WHEN its reason is shown THEN it is Indonesian."""
    path = tmp_path / "scan.bin"
    path.write_bytes(content)
    said = in_indonesian(_refusal(path, sniff.Limits()))
    assert expected in said


@pytest.mark.parametrize(
    "english",
    [
        "The file has more than 500 pages. Please split it into smaller files.",
        "The image is too large (20000 x 20000 pixels). The limit is 178.9 megapixels.",
        "The image is too large. The limit is 200 megapixels.",
        "The file is larger than 2048 MB.",
        "The image is 1 x 60000 pixels, which is not the size or shape of a scanned page. Each"
        " side must be 16 to 32767 pixels, and the long side at most 10 times the short side.",
        "Page 2 of the TIFF image is 2000 x 20 pixels, which is not the size or shape of a"
        " scanned page. Each side must be 16 to 32767 pixels, and the long side at most 10"
        " times the short side.",
        "Page 2 of the PDF is 1.1 x 70555.6 mm, which is not the size or shape of a scanned"
        " page. Each side must be 6 to 5000 mm, and the long side at most 10 times the short"
        " side.",
        "The PDF is password-protected. Please upload it without a password.",
        "already archived",
        "already archived; it had failed, so it was queued again",
        "The ZIP holds 20000 files; at most 10000 are accepted.",
        "its path points outside the archive (zip-slip); not extracted",
        "it is encrypted; not extracted",
    ],
)
def test_known_refusals_are_all_translated(english):
    said = in_indonesian(english)
    assert said != english
    assert not any(word in said for word in (" the ", " is ", " file", "Please"))


def test_an_unknown_sentence_passes_through():
    assert in_indonesian("something new") == "something new"
    assert in_indonesian("") == ""
