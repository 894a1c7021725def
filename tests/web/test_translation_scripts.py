"""scripts/check-translations and scripts/compile-translations, on copies of the catalogues."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "kefu" / "locale"
CHECK = ROOT / "scripts" / "check-translations"
COMPILE = ROOT / "scripts" / "compile-translations"


def run(script: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def locale(tmp_path) -> Path:
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    return copy


def edit(locale: Path, lang: str, change) -> Path:
    path = locale / lang / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(path))
    change(catalog)
    catalog.save(str(path))
    return path


def entry(catalog, msgid: str):
    found = catalog.find(msgid)
    assert found is not None, msgid
    return found


def test_the_committed_translations_pass():
    result = run(CHECK)
    assert result.returncode == 0, result.stderr
    assert "all translated and compiled" in result.stdout


def test_an_untranslated_entry_fails(locale):
    edit(locale, "ko", lambda c: setattr(entry(c, "Dashboard"), "msgstr", ""))
    run(COMPILE, "--locale", str(locale))
    result = run(CHECK, "--locale", str(locale))
    assert result.returncode == 1
    assert "'Dashboard' is not translated" in result.stderr
    assert "ko/LC_MESSAGES/django.po" in result.stderr


def test_a_fuzzy_entry_fails(locale):
    edit(locale, "zh_Hans", lambda c: entry(c, "Log out").flags.append("fuzzy"))
    run(COMPILE, "--locale", str(locale))
    result = run(CHECK, "--locale", str(locale))
    assert result.returncode == 1
    assert "'Log out' is fuzzy" in result.stderr


def test_a_fuzzy_header_fails(locale):
    edit(locale, "ko", lambda c: setattr(c, "metadata_is_fuzzy", True))
    result = run(CHECK, "--locale", str(locale))
    assert result.returncode == 1
    assert "header is marked fuzzy" in result.stderr


def test_a_lost_placeholder_fails(locale):
    edit(locale, "ko", lambda c: setattr(entry(c, "Welcome, %(name)s"), "msgstr", "환영합니다"))
    run(COMPILE, "--locale", str(locale))
    result = run(CHECK, "--locale", str(locale))
    assert result.returncode == 1
    assert "placeholders" in result.stderr and "%(name)s" in result.stderr


def test_a_stale_mo_fails_until_compiled(locale):
    edit(locale, "ko", lambda c: setattr(entry(c, "Dashboard"), "msgstr", "현황판"))
    result = run(CHECK, "--locale", str(locale))
    assert result.returncode == 1
    assert "ko/LC_MESSAGES/django.mo is out of date" in result.stderr
    assert "run scripts/compile-translations" in result.stderr

    compiled = run(COMPILE, "--locale", str(locale))
    assert compiled.returncode == 0, compiled.stderr
    assert run(CHECK, "--locale", str(locale)).returncode == 0
    mo = polib.mofile(str(locale / "ko" / "LC_MESSAGES" / "django.mo"))
    assert mo.find("Dashboard").msgstr == "현황판"


def test_a_missing_catalogue_or_mo_fails(locale):
    (locale / "zh_Hans" / "LC_MESSAGES" / "django.mo").unlink()
    shutil.rmtree(locale / "ko")
    result = run(CHECK, "--locale", str(locale))
    assert result.returncode == 1
    assert "zh_Hans/LC_MESSAGES/django.mo is missing" in result.stderr
    assert "ko/LC_MESSAGES/django.po is missing" in result.stderr


def test_compiling_is_reproducible(locale):
    before = {p: p.read_bytes() for p in locale.glob("*/LC_MESSAGES/*.mo")}
    assert run(COMPILE, "--locale", str(locale)).returncode == 0
    after = {p: p.read_bytes() for p in locale.glob("*/LC_MESSAGES/*.mo")}
    assert before == after, "the committed .mo files are what compile-translations makes"


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_string_in_the_code_is_in_the_catalogues():
    result = run(CHECK, "--sources")
    assert result.returncode == 0, (
        result.stderr + "\nA string in the code is missing from a .po: run `make messages`, "
        "translate the new entries, and run `make messages` again to compile them."
    )
