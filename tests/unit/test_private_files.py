"""``ordercore.private_files.write_private``: the one writer of every file order-agent keeps."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ordercore import private_files
from ordercore.private_files import write_private


def test_a_file_is_private_from_its_first_byte_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o000)
    try:
        written = write_private(tmp_path / "new" / "receipt.json", b"{}")
    finally:
        os.umask(previous)
    assert written.read_bytes() == b"{}"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "proof"
    folder.mkdir()
    target = folder / "label.pdf"
    target.write_bytes(b"old label")

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(private_files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_private(target, b"new label")
    assert target.read_bytes() == b"old label"
    assert sorted(path.name for path in folder.iterdir()) == ["label.pdf"]
