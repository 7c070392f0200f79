"""SavedSearchRepository contract: the same on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from archive_app.domain.clock import utcnow

PARAMS = {"q": "suara sah", "village": "Kelapamuda", "sort": "tps"}


def test_a_saved_search_comes_back_with_its_parameters(metadata_store):
    saved = metadata_store.saved_searches.save("ani", "Kelapamuda per TPS", PARAMS, False, utcnow())
    again = metadata_store.saved_searches.get(saved.id)
    assert again == saved and again.params == PARAMS and not again.shared


def test_each_user_sees_their_own_and_the_shared_ones_by_name(metadata_store):
    """GIVEN ani's private and shared searches and budi's private one WHEN each lists
    THEN ani sees her two, budi his own and ani's shared one, sorted by name."""
    repo, now = metadata_store.saved_searches, utcnow()
    repo.save("ani", "Zona ani", {"q": "a"}, False, now)
    repo.save("ani", "Bersama", {"q": "b"}, True, now)
    repo.save("budi", "Milik budi", {"q": "c"}, False, now)
    assert [s.name for s in repo.visible_to("ani")] == ["Bersama", "Zona ani"]
    assert [s.name for s in repo.visible_to("budi")] == ["Bersama", "Milik budi"]
    assert [s.name for s in repo.visible_to("citra")] == ["Bersama"]


def test_saving_under_the_same_name_replaces_it(metadata_store):
    repo, now = metadata_store.saved_searches, utcnow()
    first = repo.save("ani", "Harian", {"q": "a"}, False, now)
    second = repo.save("ani", "Harian", {"q": "b"}, True, now)
    assert second.id == first.id and repo.get(first.id).params == {"q": "b"}
    assert repo.get(first.id).shared
    other = repo.save("budi", "Harian", {"q": "c"}, False, now)  # names are per user
    assert other.id != first.id


def test_delete_removes_it_once(metadata_store):
    repo = metadata_store.saved_searches
    saved = repo.save("ani", "Sekali", {"q": "a"}, False, utcnow())
    assert repo.delete(saved.id) is True
    assert repo.get(saved.id) is None and repo.delete(saved.id) is False


@pytest.mark.parametrize("name", ["Papahan ✓ «TPS»", "x" * 80])
def test_names_keep_any_letters_up_to_80_characters(metadata_store, name):
    saved = metadata_store.saved_searches.save("ani", name, {}, False, utcnow())
    assert metadata_store.saved_searches.get(saved.id).name == name


def test_two_saves_of_one_name_at_once_leave_one_search(metadata_store):
    repo, errors = metadata_store.saved_searches, []

    def save(n):
        try:
            repo.save("ani", "Balapan", {"q": str(n)}, False, utcnow())
        except Exception as exc:  # a lost race may refuse; it must never duplicate
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s.name for s in repo.visible_to("ani")] == ["Balapan"]
