"""`kefu import orders FILE --shop S`, run as a separate process on its own SQLite data dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.orders.conftest import csv_bytes, kefu_rows

pytestmark = pytest.mark.slow

KEFU = Path(sys.executable).with_name("kefu")
COMMAND = [str(KEFU)] if KEFU.exists() else [sys.executable, "-m", "kefu.cli"]


def kefu(*args: str, data: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "DJANGO_"))}
    env["KEFU_DATA_DIR"] = str(data)
    return subprocess.run(
        [*COMMAND, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("kefu-import-cli")
    assert kefu("init", "--admin-password", "cli-test-password-1", data=data).returncode == 0
    made = kefu(
        "manage",
        "shell",
        "-c",
        "from kefu.core.models import Shop; "
        "Shop.objects.create(slug='tmall', name='T', platform='tmall', currency='CNY')",
        data=data,
    )
    assert made.returncode == 0, made.stderr
    return data


@pytest.fixture
def data(prepared, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(prepared, copy)
    return copy


def test_import_prints_progress_and_a_summary_and_reimport_updates(data, tmp_path):
    rows = kefu_rows()
    rows.append(["X1", "2026-03-01", "paid", "1.005", *[""] * 11, "x", "", "", "", "", "1", "1"])
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_bytes(rows))

    first = kefu("import", "orders", str(path), "--shop", "tmall", data=data)
    assert first.returncode == 0, first.stderr
    assert "reading orders.csv: kefu layout, about 5 rows" in first.stderr
    assert "read 5 rows: 4 orders done, 1 rows refused" in first.stderr
    assert "row 6: total: 1.005 has more decimals than CNY allows (2)" in first.stderr
    summary = first.stdout.strip().splitlines()[-1]
    assert summary.startswith("imported orders.csv into tmall (kefu layout, import #1)")
    assert "3 orders created, 0 updated, 0 unchanged, 1 refused" in summary

    again = kefu("import", "orders", str(path), "--shop", "1", "--layout", "kefu", data=data)
    assert again.returncode == 0, again.stderr
    assert "0 orders created, 0 updated, 3 unchanged" in again.stdout


def test_a_bad_shop_or_file_ends_with_one_line_and_exit_1(data, tmp_path):
    good = tmp_path / "orders.csv"
    good.write_bytes(csv_bytes(kefu_rows()))
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"a,b\n1,2\n")
    cases = [
        (("import", "orders", str(good), "--shop", "nope"), "no shop with id or slug 'nope'"),
        (("import", "orders", str(tmp_path / "missing.csv"), "--shop", "tmall"), "no file"),
        (("import", "orders", str(junk), "--shop", "tmall"), "match no layout"),
    ]
    for args, expected in cases:
        result = kefu(*args, data=data)
        assert result.returncode == 1, result
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines[-1].startswith("kefu import: ") and expected in lines[-1], lines
        assert "Traceback" not in result.stderr
