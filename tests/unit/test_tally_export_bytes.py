"""The tally CSV's bytes, pinned to what the export wrote before its lines were kept
(migration 0020): forms with cells that need quoting, defusing and a line break, written
from their counts and joined from their kept lines alike. An auditor compares exports made
years apart."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from archive_app.domain import spreadsheet, tally_lines
from archive_app.domain.entities import TallyOf
from archive_app.records import tally_export

FORMS = [
    (
        "0123456789abcdef0123456789abcdef",
        ("PPWP", "C.HASIL", 2024, "Jawa Tengah", "Karanganyar", "Jaten", "Papahan", 5),
        ("inconsistent", "review"),
        {
            "rows": [
                {"label": "PASLON 1", "votes": 120, "confidence": 0.97, "status": "sure"},
                {"label": '=HYPERLINK("x")', "votes": None, "confidence": "", "status": ""},
                {"label": "two\r\nlines", "votes": 7, "confidence": 0.5},
            ],
            "valid": 127,
            "invalid": 3,
            "ballots_used": 130,
            "consistent": False,
            "confidences": {"valid": 0.9, "invalid": 1.0},
            "numbers": [
                {
                    "key": "users.total.jml",
                    "kind": "users",
                    "votes": 200,
                    "confidence": 0.8,
                    "status": "read",
                },
                {
                    "key": "invalid",
                    "kind": "total",
                    "votes": 3,
                    "confidence": 1.0,
                    "status": "checked",
                },
                {
                    "key": "sheets.used",
                    "kind": "sheets",
                    "votes": 131,
                    "confidence": 0.75,
                    "status": "unsure",
                },
            ],
        },
    ),
    (
        "fedcba9876543210fedcba9876543210",
        ("DPD", "C.HASIL", 2024, "Jawa Tengah", '+Kota, "A"', "-Jaten", "@Papahan", 12),
        (),
        {
            "rows": [{"label": "Ñuñoa ✓", "votes": 0, "confidence": 1.0, "status": "sure"}],
            "valid": 0,
            "invalid": 0,
            "ballots_used": 0,
            "consistent": None,
            "numbers": [],
        },
    ),
    (
        "a" * 32,
        ("PPWP", "C.HASIL", 2019, "Aceh", "Aceh Besar", "Darul Imarah", "Lampeuneurut", 123),
        ("low_confidence",),
        {
            "rows": [
                {"label": "PASLON 2", "votes": 45, "confidence": 0.612, "status": "unsure"},
                {"label": "PASLON 3", "votes": 67, "confidence": 0.999},
            ],
            "valid": 112,
            "invalid": 1,
            "ballots_used": 113,
            "consistent": True,
            "numbers": [
                {
                    "key": "voters.l",
                    "kind": "voters",
                    "votes": 150,
                    "confidence": 0.9,
                    "status": "read",
                }
            ],
        },
    ),
]
# written by the export before migration 0020 (main at daf7cec) from FORMS: each form's
# place, then its lines
FIRST = (
    "0123456789abcdef0123456789abcdef,PPWP,C.HASIL,2024,Jawa Tengah,Karanganyar,Jaten,Papahan,005,"
)
SECOND = (
    "fedcba9876543210fedcba9876543210,DPD,C.HASIL,2024,Jawa Tengah,"
    '"\'+Kota, ""A""",\'-Jaten,\'@Papahan,012,'
)
THIRD = (
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,PPWP,C.HASIL,2019,"
    "Aceh,Aceh Besar,Darul Imarah,Lampeuneurut,123,"
)
BEFORE = "".join((
    'document_id,election,form_type,year,province,regency,district,village,tps,line,votes,confidence,consistent,flags,status\r\n',
    FIRST + 'PASLON 1,120,0.97,false,inconsistent review,sure\r\n',
    FIRST + '"\'=HYPERLINK(""x"")",,,false,inconsistent review,\r\n',
    FIRST + '"two\r\nlines",7,0.5,false,inconsistent review,\r\n',
    FIRST + 'VALID,127,0.9,false,inconsistent review,\r\n',
    FIRST + 'INVALID,3,1.0,false,inconsistent review,checked\r\n',
    FIRST + 'BALLOTS_USED,130,,false,inconsistent review,\r\n',
    FIRST + 'USERS.TOTAL.JML,200,0.8,false,inconsistent review,read\r\n',
    FIRST + 'SHEETS.USED,131,0.75,false,inconsistent review,unsure\r\n',
    SECOND + 'Ñuñoa ✓,0,1.0,,,sure\r\n',
    SECOND + 'VALID,0,,,,\r\n',
    SECOND + 'INVALID,0,,,,\r\n',
    SECOND + 'BALLOTS_USED,0,,,,\r\n',
    THIRD + 'PASLON 2,45,0.612,true,low_confidence,unsure\r\n',
    THIRD + 'PASLON 3,67,0.999,true,low_confidence,\r\n',
    THIRD + 'VALID,112,,true,low_confidence,\r\n',
    THIRD + 'INVALID,1,,true,low_confidence,\r\n',
    THIRD + 'BALLOTS_USED,113,,true,low_confidence,\r\n',
    THIRD + 'VOTERS.L,150,0.9,true,low_confidence,read\r\n',
))  # fmt: skip


def _source(forms):
    readings = SimpleNamespace(iter_tallies=lambda filters: forms)
    return SimpleNamespace(metadata=SimpleNamespace(readings=readings))


@pytest.mark.parametrize("kept", [False, True], ids=["from counts", "joined from kept lines"])
def test_the_export_writes_the_bytes_it_wrote_before_its_lines_were_kept(kept):
    forms = []
    for record_id, place, flags, tally in FORMS:
        lines = tally_lines.packed(tally, spreadsheet.CsvLines()) if kept else None
        forms.append(TallyOf(record_id, place, flags, {} if lines else tally, lines))
    if kept:  # the form with a line break in a cell cannot be kept; the others are
        assert [f.kept is None for f in forms] == [True, False, False]
    assert "".join(tally_export.csv_lines(_source(forms), {})) == BEFORE
