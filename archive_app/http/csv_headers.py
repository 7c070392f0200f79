"""CSV header rows: the stable column codes, or the columns' names in the reader's language.

Scripts and the API's clients read an export by its column codes (``id``, ``province`` ...),
which never change with the language; a person opening the download in a spreadsheet wants
words. ``?header=labels`` asks for the words (every download link on the pages does);
no ``header``, or ``header=codes``, keeps the codes. Only the header row changes: the cells
are the same either way.

Each label is the wording the pages use for the same field, so one thing has one name. A
code can name different things in different exports (``id`` is an audit entry's number in
one and a record's id in another), so each export has its own table; the place columns are
shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import request
from flask_babel import gettext

from archive_app.domain.languages import N_
from archive_app.http.i18n import Labels

CHOICES = ("codes", "labels")
# What every download link on the pages adds: a person gets the columns named in words.
LABELLED = {"header": "labels"}

PLACE_LABELS = {  # as the search filters name them (web/views.py uses them too)
    "election": N_("Pemilihan"),
    "form_type": N_("Jenis formulir"),
    "year": N_("Tahun"),
    "province": N_("Provinsi"),
    "regency": N_("Kabupaten/Kota"),
    "district": N_("Kecamatan"),
    "village": N_("Kelurahan/Desa"),
    "tps": N_("TPS"),
}
_REGION = {  # as the Rekapitulasi page names them
    "region": N_("Kode wilayah"),
    "name": N_("Wilayah"),
    "level": N_("Tingkat wilayah"),
    "candidate": N_("Kode calon / baris"),
    "label": N_("Calon / baris"),
}

TALLY = Labels(
    {
        "document_id": N_("ID arsip"),
        **PLACE_LABELS,
        "line": N_("Baris"),
        "votes": N_("Suara"),
        "confidence": N_("Keyakinan"),
        "consistent": N_("Pemeriksaan aritmetika"),
        "flags": N_("Tanda"),
        "status": N_("Status"),
    }
)

AUDIT = Labels(
    {
        "id": N_("Nomor entri"),
        "at": N_("Waktu"),
        "actor": N_("Pelaku"),
        "action": N_("Tindakan"),
        "target": N_("Sasaran"),
        "ip": N_("IP"),
        "details": N_("Rincian"),
    }
)

RETENTION = Labels(
    {
        "id": N_("ID arsip"),
        **PLACE_LABELS,
        "state": N_("Kode status retensi"),
        "state_label": N_("Status retensi"),
        "action": N_("Jatuh tempo untuk"),
        "series": N_("Seri (JRA)"),
        "active_until": N_("Aktif s.d."),
        "inactive_until": N_("Inaktif s.d."),
        "changes_at": N_("Berubah pada"),
        "holds": N_("Penahanan"),
    }
)

RECAP_COMPARISON = Labels(
    {
        **_REGION,
        "from_forms": N_("Jumlah dari formulir"),
        "unsure": N_("di antaranya ragu"),
        "confirmed": N_("di antaranya terkonfirmasi"),
        "read": N_("di antaranya terbaca"),
        "unread": N_("formulir dengan angka tak terbaca"),
        "recap_form": N_("Formulir rekap"),
        "published": N_("Publikasi"),
        "series": N_("Seri publikasi"),
    }
)

RECAP_DIFFERENCES = Labels(
    {
        "rank": N_("Peringkat"),
        **_REGION,
        "kind": N_("Jenis"),
        "first": N_("Pertama"),
        "second": N_("Kedua"),
        "difference": N_("Selisih"),
        "impact": N_("Pengaruh"),
        "size": N_("Besar"),
        "missing_tps": N_("TPS belum ada"),
        "explained": N_("Dapat dijelaskan oleh TPS belum ada"),
        "records": N_("ID arsip"),
    }
)


RECAP_MISSING = Labels({"code": N_("Kode TPS"), "name": N_("TPS")})


class HeaderChoiceError(ValueError):
    """``header`` is neither ``codes`` nor ``labels``; the message is in the request's
    language already."""

    field = "header"


def header_row(columns: Sequence[str], labels: Mapping[str, str]) -> list[str]:
    """The header row this request asks for (``columns`` are the export's codes, in order);
    HeaderChoiceError for an unknown choice. Read in the view: a streamed body is written
    after the request's language is gone."""
    choice = request.args.get("header") or "codes"
    if choice == "codes":
        return list(columns)
    if choice == "labels":
        return [labels[code] for code in columns]
    raise HeaderChoiceError(gettext("header harus salah satu dari %(v)s", v=", ".join(CHOICES)))
