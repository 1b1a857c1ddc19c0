"""A stored footage path leads only to a regular file in the case folder or a media folder."""

import os
from pathlib import Path

import pytest

from bwv_review import paths
from bwv_review.core import footage_paths
from bwv_review.core.errors import FootageError


@pytest.fixture
def folder(tmp_path):
    case = tmp_path / "case"
    (case / "sub").mkdir(parents=True)
    (case / "sub" / "AB1.mp4").write_bytes(b"x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "CD1.mp4").write_bytes(b"y")
    return case


def test_inside_the_case_folder_whichever_os_wrote_it(folder):
    for stored in ("sub/AB1.mp4", "sub\\AB1.mp4", "./sub/../sub/AB1.mp4"):
        assert footage_paths.resolve(folder, stored) == (folder / "sub" / "AB1.mp4").resolve()


@pytest.mark.parametrize("stored", ["../elsewhere/CD1.mp4", "/etc/hostname", "C:\\x.mp4", "\\\\server\\share\\x.mp4",
                                    "../../../../../../../../etc/passwd"])
def test_outside_is_refused_until_its_folder_is_added(folder, stored):
    with pytest.raises(FootageError, match="outside the case folder"):
        footage_paths.resolve(folder, stored, "exhibit AB/1")


def test_a_media_folder_the_reviewer_added_is_allowed(folder):
    paths.add_media_root(folder.parent / "elsewhere")
    assert footage_paths.resolve(folder, "../elsewhere/CD1.mp4").name == "CD1.mp4"


def test_choosing_a_file_outside_adds_its_folder(folder):
    stored = footage_paths.stored_path(folder, folder.parent / "elsewhere" / "CD1.mp4")
    assert stored == "../elsewhere/CD1.mp4"
    assert paths.media_roots() == [(folder.parent / "elsewhere").resolve()]
    assert footage_paths.stored_path(folder, folder / "sub" / "AB1.mp4") == "sub/AB1.mp4"


@pytest.mark.skipif(os.name != "posix", reason="/proc, /dev and symlinks as on Linux")
def test_system_files_are_refused_even_under_a_media_folder(folder):
    paths.add_media_root(Path("/"))
    for stored in ("/proc/self/pagemap", "/dev/zero", "/sys/kernel/notes"):
        with pytest.raises(FootageError, match="system file"):
            footage_paths.resolve(folder, stored)
    (folder / "link.mp4").symlink_to("/proc/self/environ")
    with pytest.raises(FootageError, match="system file"):
        footage_paths.resolve(folder, "link.mp4")
    with pytest.raises(FootageError, match="system file"):
        footage_paths.stored_path(folder, Path("/dev/null"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_not_a_regular_file_is_refused(folder):
    os.mkfifo(folder / "pipe.mp4")
    with pytest.raises(FootageError, match="FIFO"):
        footage_paths.resolve(folder, "pipe.mp4")
    with pytest.raises(FootageError, match="folder"):
        footage_paths.resolve(folder, "sub")


def test_a_missing_file_is_for_the_caller_to_report(folder):
    assert footage_paths.resolve(folder, "gone.mp4") == (folder / "gone.mp4").resolve()
