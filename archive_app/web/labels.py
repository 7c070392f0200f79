"""Indonesian labels for records-management codes.

The codes (``due``, ``destroy``, ``proposed`` ...) are the API's and the database's; people
see these words instead. Kept in one place so the pages, the CSV exports and the search
facets always say the same thing.
"""

from __future__ import annotations

from archive_app.intake.reasons import in_indonesian

RETENTION_LABELS = {
    "active": "aktif",
    "inactive": "inaktif",
    "due": "jatuh tempo",
    "on_hold": "ditahan",
    "disposed": "dimusnahkan",
    "transferred": "diserahkan",
}

# What a due record is due for.
DUE_ACTION_LABELS = {"destroy": "musnah", "transfer": "serahkan", "review": "nilai kembali"}

# The final disposition a schedule series names (keterangan in a JRA).
DISPOSITION_LABELS = {"destroy": "Musnah", "permanent": "Permanen", "review": "Dinilai kembali"}

TRIGGER_LABELS = {"election_day": "hari pemungutan suara", "record_date": "tanggal pada formulir"}

LIST_ACTION_LABELS = {"destroy": "Pemusnahan", "transfer": "Penyerahan"}

LIST_STATUS_LABELS = {
    "proposed": "diusulkan",
    "approved": "disetujui",
    "rejected": "ditolak",
    "executing": "sedang dilaksanakan",
    "executed": "dilaksanakan",
}

ITEM_STATE_LABELS = {"pending": "menunggu", "done": "dilaksanakan", "skipped": "dikecualikan"}


def retention_label(state: str, action: str | None = None) -> str:
    """``due`` alone says nothing useful: it always carries what the record is due for."""
    label = RETENTION_LABELS.get(state, state)
    if state == "due" and action:
        label += f" ({DUE_ACTION_LABELS.get(action, action)})"
    return label


# Outcome of a file in a batch, and the record's state after it.
BATCH_LABELS = {
    "accepted": "diterima",
    "duplicate": "sudah ada",
    "rejected": "ditolak",
    "queued": "dalam antrean",
    "processing": "sedang diproses",
    "ready": "siap",
    "failed": "gagal",
    "review": "perlu ditinjau",
}
FLAG_LABELS = {
    "inconsistent": "hitungan tidak cocok",
    "low_confidence": "angka meragukan",
    "review": "perlu ditinjau",
}

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
    "retention_label": retention_label,
    "in_indonesian": in_indonesian,
}
