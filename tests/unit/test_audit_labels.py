"""Every action the code records has Indonesian words on the audit page: a new action
without a label fails here, not on an auditor's screen."""

from __future__ import annotations

import ast
from pathlib import Path

from archive_app.audit.readable import ACTION_LABELS, date_range, details

ROOT = Path(__file__).resolve().parents[2] / "archive_app"
# where the action is: record(services, actor, action, ...); entry(actor, action, ...)
RECORDERS = {"record": 2, "entry": 1, "audit_entry": 1}
BUILT = {  # written with f-strings, out of reach of the scan
    "fixity.missing", "fixity.changed",  # recordkeeping/fixity.py
    "disposition.approve", "disposition.reject",  # recordkeeping/disposition.py
    "transfer.audit",  # operations/transfer.py (MARKER)
}  # fmt: skip


def recorded_actions() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or len(node.args) < 3:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in RECORDERS:
                continue
            action = node.args[RECORDERS[name]]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                found.add(action.value)
    return found


def test_every_recorded_action_has_an_indonesian_label():
    actions = recorded_actions() | BUILT
    assert {"upload", "login", "hold.place", "download"} <= actions
    assert sorted(actions - ACTION_LABELS.keys()) == []


def test_a_day_range_includes_both_days():
    since, until = date_range("2024-03-02", "2024-03-03")
    assert (since.isoformat(), until.isoformat()) == ("2024-03-02T00:00:00", "2024-03-04T00:00:00")
    assert date_range("", None) == (None, None)


def test_details_read_as_labelled_words_not_json():
    shown = details({"changes": {"tps": {"before": 0, "after": 7}}, "records": ["a", "b"],
                     "ok": True, "case_ref": "PHPU 1/2024"})  # fmt: skip
    assert [(d.label, d.text) for d in shown] == [
        ("Perubahan", "TPS: 0 → 7"), ("Dokumen", "a, b"), ("ok", "ya"),
        ("Nomor perkara", "PHPU 1/2024"),
    ]  # fmt: skip
