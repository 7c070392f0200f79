"""AuditAnchor contract: both adapters keep every checkpoint line, hand them back highest
sequence first (copies and later versions included), and (where the storage can) refuse
to let one be changed or removed."""

from __future__ import annotations

import pytest

from archive_app.storage.anchors import build_anchor
from tests.conftest import make_settings
from tests.contract.conftest import OBJECT_STORES, server_settings


@pytest.fixture(params=OBJECT_STORES)
def anchored(request, tmp_path):
    from archive_app.services import build_objects

    extra = server_settings(request, request.param)
    settings = make_settings(tmp_path / "data", **{"object_store": request.param, **extra})
    objects = build_objects(settings)
    return build_anchor(settings, objects), objects, request.param


def test_lines_come_back_highest_sequence_first(anchored):
    anchor, _, _ = anchored
    assert anchor.highest_claimed() == 0 and list(anchor.newest_first()) == []
    for seq in (1, 2, 3, 4, 5):
        anchor.append(seq, f'{{"seq":{seq}}}')
    assert anchor.highest_claimed() == 5
    assert [seq for seq, _ in anchor.newest_first()][:5] == [5, 4, 3, 2, 1]


def test_a_line_written_again_under_the_same_number_does_not_hide_the_first(anchored):
    """A replay (file) or a newer version of the object (S3): both lines come back."""
    anchor, _, _ = anchored
    anchor.append(1, '{"seq":1,"v":"genuine"}')
    anchor.append(1, '{"seq":1,"v":"replayed"}')
    lines = [line for seq, line in anchor.newest_first() if seq == 1]
    assert sorted(lines) == ['{"seq":1,"v":"genuine"}', '{"seq":1,"v":"replayed"}']


def test_a_checkpoint_cannot_be_removed_where_the_storage_can_refuse(anchored):
    """S3: Object Lock in compliance mode; the server refuses the delete. The local file
    is append-only by how it is opened, not by the kernel, and says so."""
    anchor, objects, kind = anchored
    anchor.append(1, '{"seq":1}')
    if kind == "local":
        assert anchor.protected is False
        return
    assert anchor.protected is True
    key = anchor.key(1)
    versions = objects._client.list_objects(objects.bucket, prefix=key, include_version=True)
    [version] = [v.version_id for v in versions]
    with pytest.raises(Exception, match="(?i)retention|WORM|AccessDenied|locked"):
        objects._client.remove_object(objects.bucket, key, version_id=version)
    assert [line for _, line in anchor.newest_first()] == ['{"seq":1}']


def test_a_torn_last_line_is_not_taken_for_a_checkpoint(tmp_path):
    from archive_app.storage.anchors import FileAnchor

    anchor = FileAnchor(tmp_path / "checkpoints.log")
    anchor.append(1, '{"seq":1}')
    with open(anchor.path, "a") as fh:
        fh.write('{"seq":2, "la')  # the machine died mid-write
    assert list(anchor.newest_first()) == [(1, '{"seq":1}')]
