"""Where the development data is looked for: one rule for every script, test and benchmark."""

from pathlib import Path

from worker.devdata import find_shared


def test_beside_the_checkout_before_the_well_known_folder(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "wk").mkdir()
    assert find_shared(repo=tmp_path / "nw", well_known=tmp_path / "wk") == tmp_path / "shared"


def test_a_clone_elsewhere_finds_the_well_known_folder(tmp_path: Path) -> None:
    (tmp_path / "wk").mkdir()
    assert find_shared(repo=tmp_path / "clone" / "nw", well_known=tmp_path / "wk") == tmp_path / "wk"


def test_absent_everywhere_names_the_folder_beside_the_checkout(tmp_path: Path) -> None:
    assert find_shared(repo=tmp_path / "nw", well_known=tmp_path / "wk") == tmp_path / "shared"
