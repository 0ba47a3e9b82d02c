import os

from imprimfip.moves import free_name, move


def test_a_move_never_overwrites_an_existing_letter(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "a.pdf").write_bytes(b"earlier")
    (tmp_path / "src" / "a.pdf").write_bytes(b"new")

    placed = move(tmp_path / "src" / "a.pdf", tmp_path / "dst" / "a.pdf")

    assert placed.name == "a (2).pdf"
    assert (tmp_path / "dst" / "a.pdf").read_bytes() == b"earlier"
    assert placed.read_bytes() == b"new"


def test_a_replayed_move_is_harmless(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.pdf").write_bytes(b"x")
    target = tmp_path / "dst" / "a.pdf"
    assert move(tmp_path / "src" / "a.pdf", target) == target
    assert move(tmp_path / "src" / "a.pdf", target) == target
    assert sorted(os.listdir(tmp_path / "dst")) == ["a.pdf"]


def test_a_stop_between_link_and_unlink_is_finished_without_a_copy(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    (tmp_path / "src" / "a.pdf").write_bytes(b"x")
    os.link(tmp_path / "src" / "a.pdf", tmp_path / "dst" / "a.pdf")

    move(tmp_path / "src" / "a.pdf", tmp_path / "dst" / "a.pdf")

    assert os.listdir(tmp_path / "src") == []
    assert os.listdir(tmp_path / "dst") == ["a.pdf"]


def test_free_name_counts_up(tmp_path):
    for name in ("a.pdf", "a (2).pdf"):
        (tmp_path / name).touch()
    assert free_name(tmp_path, "a.pdf") == "a (3).pdf"
    assert free_name(tmp_path, "b") == "b"
