"""`# noqa` and `# pylint: disable` behave the same in both front ends."""

from __future__ import annotations

import shutil

import pytest

from harness import (
    FIXTURES, engine_hits, flake8_hits, parse_fixture, pylint_hits, write_project)
from pylint_backend.noqa import is_suppressed

NOQA_FIXTURE = FIXTURES / "noqa_comments.py"
PROBE = {"enable": ["BE014"]}  # BE014 (opt-in) is the finding these tests suppress


@pytest.fixture(autouse=True)
def _probe_rule_on(tmp_path):
    """Every project here turns BE014 on, for the engine, flake8 and pylint alike."""
    write_project(tmp_path, 'enable = ["BE014"]')


@pytest.fixture
def noqa_file(tmp_path, monkeypatch):
    target = tmp_path / NOQA_FIXTURE.name
    shutil.copy(NOQA_FIXTURE, target)
    monkeypatch.chdir(tmp_path)
    return parse_fixture(NOQA_FIXTURE), target


def test_engine_reports_every_line_front_ends_filter(noqa_file):
    fixture, target = noqa_file
    # The engine knows nothing of comments: all 10 findings exist before suppression.
    assert len(engine_hits(target, fixture.table)) == 10


def test_flake8_applies_noqa(noqa_file):
    fixture, target = noqa_file
    assert flake8_hits(target) == fixture.expected | fixture.expected_flake8_only


def test_pylint_applies_noqa_and_its_own_disable(noqa_file):
    fixture, target = noqa_file
    assert pylint_hits(target) == fixture.expected


def test_file_level_flake8_noqa_silences_both(tmp_path, monkeypatch):
    target = tmp_path / "ignored.py"
    target.write_text("# flake8: noqa\nimport requests\nrequests.get('u')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert engine_hits(target, PROBE) == {(3, "BE014")}
    assert flake8_hits(target) == set()
    assert pylint_hits(target) == set()


def test_flake8_noqa_with_code_on_a_code_line_does_not_silence_the_file(tmp_path, monkeypatch):
    target = tmp_path / "not_ignored.py"
    target.write_text("import requests  # flake8: noqa: E501\nrequests.get('u')\n",
                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert flake8_hits(target) == pylint_hits(target) == {(2, "BE014")}


def test_pylint_accepts_the_be_code_on_its_command_line(tmp_path, monkeypatch):
    target = tmp_path / "cli.py"
    target.write_text("import requests\nrequests.get('a')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert pylint_hits(target) == {(2, "BE014")}
    assert pylint_hits(target, "--disable=BE014") == set()


def test_pylint_disable_next_and_block(tmp_path, monkeypatch):
    target = tmp_path / "blocks.py"
    target.write_text(
        "import requests\n"
        "# pylint: disable-next=requests-without-timeout\n"
        "requests.get('a')\n"
        "# pylint: disable=requests-without-timeout\n"
        "requests.get('b')\n"
        "# pylint: enable=requests-without-timeout\n"
        "requests.get('c')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert pylint_hits(target) == {(7, "BE014")}


@pytest.mark.parametrize(("code", "text", "suppressed"), [
    ("BE014", "x  # noqa", True),
    ("BE014", "x  # NoQA", True),
    ("BE014", "x  # noqa: BE014", True),
    ("BE014", "x  # noqa:BE014", True),
    ("BE014", "x  # noqa: E501,BE014", True),
    ("BE014", "x  # noqa: E501 BE014", True),
    ("BE014", "x  # noqa: BE0", True),
    ("BE014", "x  # noqa: BE", True),
    ("BE014", "x  # noqa: BE001", False),
    ("BE014", "x  # noqa: E501", False),
    ("BE014", "x  # no qa", False),
    ("BE014", "x", False),
    ("BE014", None, False),
])
def test_noqa_semantics_match_flake8(code, text, suppressed):
    assert is_suppressed(code, text) is suppressed


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_noqa_mapping_is_the_same_whatever_the_line_ends(tmp_path, monkeypatch, newline):
    """pylint reads the raw file: `\\r` alone ends lines for the tokenizer, as for flake8."""
    text = newline.join([
        "import requests",
        "requests.get('''a",
        "b''')  # noqa: BE014",
        "requests.get('x')",
        "requests.get('y')  # noqa",
        ""])
    target = tmp_path / "line_ends.py"
    target.write_bytes(text.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    assert flake8_hits(target) == pylint_hits(target) == {(4, "BE014")}
