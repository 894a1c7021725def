"""Pieces of the tickets benchmark that do not know about kefu: timing HTTP requests,
reading gunicorn's access log for the server's own time, and watching the machine's load.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# django-helpdesk 2.6.1 on the same workload at 100,000 tickets (../shared/bench/README.md):
# measure → (SQLite, PostgreSQL), in the unit of the row.
HELPDESK = {
    "bulk ingest (tickets/s)": (2620, 2256),
    "ticket list page p95 (ms)": (307, 546),
    "dashboard p95 (ms)": (3062, 4150),
    "ticket page p95 (ms)": (71, 123),
    "keyword search p95, 退款 (ms)": (1038, 1211),
    "search recall over all text": ("68-94 %", "68-94 %"),
    "API: create a ticket (tickets/s)": (30, 25),
    "API: first page of the ticket list (ms)": (83_000, 140_000),
}
HIGHER_IS_BETTER = {"bulk ingest (tickets/s)", "API: create a ticket (tickets/s)"}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values), 2),
        "mean": round(sum(values) / len(values), 2),
    }


# ---------------------------------------------------------------- server time

# kefu serve's access log: %(h)s "%(r)s" %(s)s %(b)s %(M)sms  (M: request time, whole ms)
_ACCESS = re.compile(
    r'^\S+ "(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms$'
)


class AccessLog:
    """Reads the lines kefu serve appended to its log since a mark."""

    def __init__(self, path: Path):
        self.path = path

    def mark(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, offset: int, *, settle: float = 0.3) -> list[dict]:
        time.sleep(settle)  # the last lines reach the file after the response
        with self.path.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            m = _ACCESS.match(line.strip())
            if m:
                out.append(
                    {
                        "method": m["method"],
                        "path": m["path"],
                        "status": int(m["status"]),
                        "ms": int(m["ms"]),
                    }
                )
        return out


# ---------------------------------------------------------------- machine load


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts), idle


def _process_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    return total


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def busiest_processes(limit: int = 6) -> list[str]:
    """What else runs on the machine (command names and CPU %), for the report."""
    try:
        text = subprocess.run(
            ["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [" ".join(line.split()) for line in text.splitlines()[:limit]]


@dataclass
class LoadWindow:
    """CPU use of the whole machine and of kefu's own processes over one measure."""

    started: float = field(default_factory=time.monotonic)
    cpu: tuple[int, int] = field(default_factory=_cpu_times)
    load_before: float = field(default_factory=lambda: os.getloadavg()[0])
    kefu_ticks: int = 0
    kefu_pids: list[int] = field(default_factory=list)

    @classmethod
    def open(cls, kefu_pid: int | None = None) -> LoadWindow:
        window = cls()
        if kefu_pid:
            window.kefu_pids = descendants(kefu_pid)
            window.kefu_ticks = _process_ticks(window.kefu_pids)
        return window

    def close(self, requests: int = 0) -> dict:
        total, idle = _cpu_times()
        d_total, d_idle = total - self.cpu[0], idle - self.cpu[1]
        seconds = time.monotonic() - self.started
        out = {
            "seconds": round(seconds, 2),
            "machine_cpu_busy_pct": round(100 * (d_total - d_idle) / d_total, 1)
            if d_total
            else None,
            "load1_before": round(self.load_before, 2),
            "load1_after": round(os.getloadavg()[0], 2),
        }
        if self.kefu_pids:
            ticks = _process_ticks(self.kefu_pids) - self.kefu_ticks
            hz = os.sysconf("SC_CLK_TCK")
            cpus = os.cpu_count() or 1
            # share of the machine's CPU that kefu's server used
            out["kefu_cpu_pct"] = round(100 * ticks / hz / seconds / cpus, 1) if seconds else None
            if requests:
                # CPU time kefu's server spent per request: what the request costs,
                # whatever else the machine was doing (clock ticks: 10 ms resolution)
                out["kefu_cpu_ms_per_request"] = round(1000 * ticks / hz / requests, 1)
        return out


class Sampler:
    """Load average every few seconds in the background (for a long ingest)."""

    def __init__(self, every: float = 5.0):
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 1)

    def result(self) -> dict:
        if not self.samples:
            return {}
        return {
            "load1_mean": round(sum(self.samples) / len(self.samples), 2),
            "load1_max": round(max(self.samples), 2),
        }
