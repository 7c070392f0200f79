"""Labels for records-management codes, written in Indonesian and read in the request's
language (``Labels`` translates each one when it is looked up).

The codes (``due``, ``destroy``, ``proposed`` ...) are the API's and the database's; people
see these words instead. Kept in one place so the pages, the CSV exports and the search
facets always say the same thing.
"""

from __future__ import annotations

from archive_app.domain.disposition import SKIP_NOTES
from archive_app.domain.languages import N_
from archive_app.http.i18n import Labels
from archive_app.intake.reasons import translated
from archive_app.records import review_reasons

RETENTION_LABELS = Labels(
    {
        "active": N_("aktif"),
        "inactive": N_("inaktif"),
        "due": N_("jatuh tempo"),
        "on_hold": N_("ditahan"),
        "disposed": N_("dimusnahkan"),
        "transferred": N_("diserahkan"),
    }
)

# What a due record is due for.
DUE_ACTION_LABELS = Labels(
    {"destroy": N_("musnah"), "transfer": N_("serahkan"), "review": N_("nilai kembali")}
)

# The final disposition a schedule series names (keterangan in a JRA).
DISPOSITION_LABELS = Labels(
    {"destroy": N_("Musnah"), "permanent": N_("Permanen"), "review": N_("Dinilai kembali")}
)

TRIGGER_LABELS = Labels(
    {"election_day": N_("hari pemungutan suara"), "record_date": N_("tanggal pada formulir")}
)

LIST_ACTION_LABELS = Labels({"destroy": N_("Pemusnahan"), "transfer": N_("Penyerahan")})

LIST_STATUS_LABELS = Labels(
    {
        "proposed": N_("diusulkan"),
        "approved": N_("disetujui"),
        "rejected": N_("ditolak"),
        "executing": N_("sedang dilaksanakan"),
        "executed": N_("dilaksanakan"),
    }
)

ITEM_STATE_LABELS = Labels(
    {"pending": N_("menunggu"), "done": N_("dilaksanakan"), "skipped": N_("dikecualikan")}
)

ITEM_NOTE_LABELS = Labels(SKIP_NOTES)  # why an item was skipped; other notes as stored


def retention_label(state: str, action: str | None = None) -> str:
    """``due`` alone says nothing useful: it always carries what the record is due for."""
    label = RETENTION_LABELS.get(state, state)
    if state == "due" and action:
        label += f" ({DUE_ACTION_LABELS.get(action, action)})"
    return label


# Outcome of a file in a batch, and the record's state after it.
BATCH_LABELS = Labels(
    {
        "accepted": N_("diterima"),
        "duplicate": N_("sudah ada"),
        "rejected": N_("ditolak"),
        "queued": N_("dalam antrean"),
        "processing": N_("sedang diproses"),
        "ready": N_("siap"),
        "failed": N_("gagal"),
        "review": N_("perlu ditinjau"),
    }
)
FLAG_LABELS = Labels(
    {
        "inconsistent": N_("hitungan tidak cocok"),
        "low_confidence": N_("angka meragukan"),
        "review": N_("perlu ditinjau"),
    }
)

JINJA_GLOBALS = {
    "BATCH_LABELS": BATCH_LABELS,
    "FLAG_LABELS": FLAG_LABELS,
    "RETENTION_LABELS": RETENTION_LABELS,
    "DUE_ACTION_LABELS": DUE_ACTION_LABELS,
    "DISPOSITION_LABELS": DISPOSITION_LABELS,
    "TRIGGER_LABELS": TRIGGER_LABELS,
    "LIST_ACTION_LABELS": LIST_ACTION_LABELS,
    "LIST_STATUS_LABELS": LIST_STATUS_LABELS,
    "ITEM_STATE_LABELS": ITEM_STATE_LABELS,
    "ITEM_NOTE_LABELS": ITEM_NOTE_LABELS,
    "retention_label": retention_label,
    "refusal": translated,
    "review_reason": review_reasons.translated,
}
