"""Atomic writes: a target is either its old or its whole new content, never half-written."""

from __future__ import annotations

import pytest

from ipo_research.files import atomic_path, atomic_write_text, remove_temporaries, temporary_name


def test_atomic_write_replaces_the_content(tmp_path):
    target = tmp_path / "index.html"
    target.write_text("old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as partial:
            partial.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_temporary_names_are_hidden_unique_and_keep_the_suffix(tmp_path):
    first, second = temporary_name(tmp_path / "a.ipynb"), temporary_name(tmp_path / "a.ipynb")
    assert first != second
    assert first.name.startswith(".a.") and first.suffix == ".ipynb" and ".tmp" in first.name


def test_remove_temporaries_clears_leftovers_only(tmp_path):
    leftover = temporary_name(tmp_path / "01_clean.ipynb")
    leftover.write_text("{")
    (tmp_path / "01_clean.ipynb").write_text("{}")
    (tmp_path / ".gitkeep").write_text("")
    assert remove_temporaries(tmp_path) == [leftover]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitkeep", "01_clean.ipynb"]
