"""`imprimfip validate`, run as a real process the way a sysadmin runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from imprimfip.exitcodes import ExitCode
from tests.fixtures import pdfs

# Each test runs `imprimfip validate` in a child process, with its own worker pool.
pytestmark = pytest.mark.slow

CONFIG = """
[api]
username = "demo"
password = {{ env = "IMPRIMFIP_TEST_PASSWORD" }}
{flows}
"""
FLOW = """
[[flows]]
name = "{name}"
root = "spool/{name}"
[flows.validation.severity]
page_size = "{page_size}"
"""


def validate(*args: object, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imprimfip", "validate", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=cwd,
        env={"IMPRIMFIP_TEST_PASSWORD": "s3cret", "PATH": "/usr/bin:/bin"},
        check=False,
    )


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def write_config(folder: Path, **flows: str) -> Path:
    text = "".join(FLOW.format(name=n, page_size=s) for n, s in flows.items())
    path = folder / "imprimfip.toml"
    path.write_text(CONFIG.format(flows=text), encoding="utf-8")
    return path


def test_good_letters_exit_0_with_a_readable_summary(tmp_path):
    good = write(tmp_path, "courrier.pdf", pdfs.make_letter(pages=2))
    result = validate(good, cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout.strip() == f"{good}: ok (2 pages)"


def test_paths_read_on_standard_input_are_checked_in_one_call(tmp_path):
    good = write(tmp_path, "courrier.pdf", pdfs.make_letter())
    us = write(tmp_path, "us.pdf", pdfs.make_letter(page_size=pdfs.LETTER))
    named = write(tmp_path, "nommé.pdf", pdfs.make_letter(pages=2))
    result = validate("--json", named, "-", cwd=tmp_path, stdin=f"{good}\n\n{us}\n")
    assert result.returncode == ExitCode.FAILED, result.stderr
    objects = json.loads(result.stdout)
    assert [(o["path"], o["ok"]) for o in objects] == [
        (str(named), True),
        (str(good), True),
        (str(us), False),
    ]


def test_an_empty_list_on_standard_input_is_an_empty_answer(tmp_path):
    result = validate("--json", "-", cwd=tmp_path, stdin="\n")
    assert result.returncode == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == []


def test_the_summary_counts_the_pages_of_an_encrypted_file_that_opens_and_only_then(tmp_path):
    encrypted = write(tmp_path, "protege.pdf", pdfs.make_encrypted())
    locked = write(tmp_path, "verrouille.pdf", pdfs.make_encrypted("secret"))
    word = write(tmp_path, "lettre.pdf", pdfs.make_zip())
    result = validate(encrypted, locked, word, cwd=tmp_path)
    summaries = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert summaries == [
        f"{encrypted}: rejected (1 page)",
        f"{locked}: rejected (page count unknown)",
        f"{word}: rejected (page count unknown)",
    ]


def test_a_warning_in_the_summary_says_the_letter_would_go_out(tmp_path):
    lines = ("Mme Dupont", "10 RUE DES LILAS", "75011 PARIS")
    letter = write(tmp_path, "courrier.pdf", pdfs.make_letter(address_lines=lines))
    result = validate(letter, cwd=tmp_path)
    assert result.returncode == ExitCode.OK
    assert "le courrier est envoyé quand même" in result.stdout
    assert "redéposez" not in result.stdout


def test_json_lists_every_file_and_a_rejected_one_exits_1(tmp_path):
    good = write(tmp_path, "courrier.pdf", pdfs.make_letter())
    letter = write(
        tmp_path, "us.pdf", pdfs.join(pdfs.make_letter(2), pdfs.make_letter(page_size=pdfs.LETTER))
    )
    word = write(tmp_path, "lettre.pdf", pdfs.make_zip())
    result = validate("--json", good, letter, word, cwd=tmp_path)
    assert result.returncode == ExitCode.FAILED, result.stderr
    objects = json.loads(result.stdout)
    assert [(o["path"], o["ok"], o["pages"]) for o in objects] == [
        (str(good), True, 1),
        (str(letter), False, 3),
        (str(word), False, 0),
    ]
    [finding] = objects[1]["findings"]
    assert finding == {
        "code": "page_size",
        "severity": "error",
        "page": 3,
        "message": "La page 3 mesure 216 × 279 mm (format Letter américain). IMPRIM'FIP "
        "n'imprime que le format A4 (210 × 297 mm), en portrait : réimprimez ou réexportez "
        "le document en A4 portrait, puis redéposez-le.",
    }
    assert objects[2]["findings"][0]["code"] == "not_pdf"


def test_the_named_flow_s_rules_apply(tmp_path):
    config = write_config(tmp_path, strict="error", lenient="warning")
    letter = write(tmp_path, "us.pdf", pdfs.make_letter(page_size=pdfs.LETTER))
    lenient = validate("--config", config, "--flow", "lenient", "--json", letter, cwd=tmp_path)
    assert lenient.returncode == ExitCode.OK, lenient.stderr
    assert json.loads(lenient.stdout)[0]["findings"][0]["severity"] == "warning"
    strict = validate("--config", config, "--flow", "strict", letter, cwd=tmp_path)
    assert strict.returncode == ExitCode.FAILED


def test_a_single_flow_is_used_without_naming_it(tmp_path):
    config = write_config(tmp_path, only="warning")
    letter = write(tmp_path, "us.pdf", pdfs.make_letter(page_size=pdfs.LETTER))
    assert validate("--config", config, letter, cwd=tmp_path).returncode == ExitCode.OK


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--flow", "courrier"], "--flow needs --config"),
        (["--config", "imprimfip.toml", "--flow", "nope"], "no flow named 'nope'"),
        (["--config", "imprimfip.toml"], "choose one with --flow (a, b)"),
        (["--config", "missing.toml"], "cannot read the file"),
        ([], "cannot read"),
    ],
)
def test_usage_and_config_errors_exit_2(tmp_path, args, said):
    write_config(tmp_path, a="error", b="error")
    letter = write(tmp_path, "courrier.pdf", pdfs.make_letter())
    missing = tmp_path / "absent.pdf"
    result = validate(*args, letter, missing if not args else letter, cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert said in result.stderr


def test_a_bad_key_in_the_config_is_named(tmp_path):
    config = tmp_path / "imprimfip.toml"
    config.write_text(CONFIG.format(flows=FLOW.format(name="a", page_size="fatal")))
    result = validate("--config", config, tmp_path / "x.pdf", cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert "validation.severity.page_size" in result.stderr


def test_preview_writes_a_picture_for_every_file_it_can_draw(tmp_path):
    good = write(tmp_path, "courrier.pdf", pdfs.make_letter())
    landscape = write(tmp_path, "paysage.pdf", pdfs.make_letter(landscape=True))
    word = write(tmp_path, "lettre.pdf", pdfs.make_zip())
    pictures = tmp_path / "apercus"
    result = validate("--json", "--preview", pictures, good, landscape, word, cwd=tmp_path)
    assert result.returncode == ExitCode.FAILED, result.stderr
    named = {Path(o["path"]).name: o["picture"] for o in json.loads(result.stdout)}
    assert named == {
        "courrier.pdf": str(pictures / "courrier.pdf.png"),
        "paysage.pdf": str(pictures / "paysage.pdf.png"),
        "lettre.pdf": None,
    }
    assert sorted(p.name for p in pictures.iterdir()) == ["courrier.pdf.png", "paysage.pdf.png"]
    assert (pictures / "courrier.pdf.png").read_bytes().startswith(b"\x89PNG")


def test_preview_numbers_pictures_of_files_with_one_name(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a", "courrier.pdf", pdfs.make_letter())
    second = write(tmp_path / "b", "courrier.pdf", pdfs.make_letter(pages=2))
    result = validate("--preview", tmp_path / "out", first, second, cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr
    assert f"picture: {tmp_path / 'out' / 'courrier.pdf (2).png'}" in result.stdout
    assert len(list((tmp_path / "out").iterdir())) == 2
