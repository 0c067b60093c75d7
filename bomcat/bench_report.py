"""`bomcat bench all`: every benchmark, run as its own command, written to one Markdown file.

Each bench runs as `python -m bomcat ...` in a subprocess (its own memory, the same command a reader
re-runs), with BOMCAT_BENCH_TABLES pointing at a file where its tables land as JSON as well as
printed. A table's rows whose first text column says "anchor" are the anchors: every other row's
numeric figures are shown beside the anchor's of the same group (the same value in the first column,
or the table's only anchor), with the ratio.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Bench:
    title: str
    args: list[str]             # after `bomcat`
    needs: list[Path] = field(default_factory=list)
    home: bool = False          # runs on a throwaway BOMCAT_HOME (shared with the next bench that asks)


def plan(shared: Path, quick: bool) -> list[Bench]:
    resolver = shared / "bench" / "resolver" / "dev.tsv"
    validation = sorted((Path(__file__).resolve().parents[1] / "tests" / "data").glob("resolver-validation*.tsv"))
    photos, devices, requests, seconds = ("5", "500", "50", "15") if quick else ("100", "10000", "200", "60")
    return [
        Bench("Resolver (shared dev set; own validation split)", ["bench", "resolver", str(resolver), *map(str, validation)], [resolver]),
        Bench("OCR (shared crops)", ["bench", "ocr", str(shared / "bench" / "ocr" / "dev")], [shared / "bench" / "ocr" / "dev"]),
        Bench("Detection (shared board photos)", ["bench", "detect", str(shared / "bench" / "boards")], [shared / "bench" / "boards"]),
        Bench("One click per chip (shared board photos)", ["bench", "detect", str(shared / "bench" / "boards"), "--clicks"],
              [shared / "bench" / "boards"]),
        Bench("Ingest throughput and memory", ["bench", "ingest", "--photos", photos, "--workers", "1,2"]),
        Bench("Large catalog (generation)", ["bench", "catalog", "--devices", devices], home=True),
        Bench("Large catalog (page times)", ["bench", "web", "--requests", requests], home=True),
        Bench("Hostile uploads", ["bench", "hostile"], home=True),
        Bench("Load", ["bench", "load", "--seconds", seconds]),
    ]


def machine() -> dict:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"
    from importlib.metadata import version
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    return {"date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), "cpu": first("/proc/cpuinfo", "model name"),
            "cores": str(os.cpu_count()), "memory": first("/proc/meminfo", "MemTotal"), "system": platform.platform(),
            "python": platform.python_version(), "bomcat": version("bomcat"), "commit": commit or "unknown"}


def _number(text) -> float | None:
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return None


def with_anchors(table: dict) -> list[dict]:
    """The table's rows, each numeric figure of a non-anchor row followed by its anchor's and the ratio."""
    columns, rows = table["columns"], table["rows"]
    label = next((c for c in columns if c in ("system", "page")), columns[0])
    group = columns[0] if columns[0] != label else None
    anchors = [r for r in rows if "anchor" in str(r.get(label, ""))]
    out = []
    for row in rows:
        same = [a for a in anchors if group is None or a.get(group) == row.get(group)] or (anchors if len(anchors) == 1 else [])
        shown = dict(row)
        if same and row not in anchors:
            anchor = same[0]
            for c in columns:
                mine, theirs = _number(row.get(c)), _number(anchor.get(c))
                if c not in (label, group) and mine is not None and theirs is not None and c not in ("n", "crops", "requests"):
                    ratio = f"x{mine / theirs:.2f}" if theirs else "n/a"
                    shown[c] = f"{row[c]} (anchor {anchor[c]}, {ratio})"
        out.append(shown)
    return out


def markdown_table(columns: list[str], rows: list[dict]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(str(r.get(c, "")).replace("|", "\\|") for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def run_all(benches: list[Bench], say: Callable[[str], None], live: bool) -> str:
    facts = machine()
    parts = ["# bomcat benchmarks", "", f"Written by `bomcat bench all` on {facts['date']}.", "",
             "| machine | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in facts.items()), ""]
    with tempfile.TemporaryDirectory(prefix="bomcat-bench-all-") as tmp:
        home = Path(tmp) / "home"
        for bench in benches:
            command = ["bomcat", *bench.args]
            missing = [str(p) for p in bench.needs if not p.exists()]
            parts += [f"## {bench.title}", ""]
            if missing:
                parts += [f"Skipped: {', '.join(missing)} not found.", ""]
                say(f"skipped {bench.title}: {', '.join(missing)} not found")
                continue
            tables = Path(tmp) / "tables.jsonl"
            tables.unlink(missing_ok=True)
            env = {**os.environ, "BOMCAT_BENCH_TABLES": str(tables)}
            if bench.home:
                env["BOMCAT_HOME"] = str(home)
                env.pop("BOMCAT_DATABASE_URL", None)
            say(f"running {shlex.join(command)}")
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "bomcat", *bench.args], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=None if live else subprocess.DEVNULL)
            seconds = time.perf_counter() - t0
            shown = shlex.join(command) if not bench.home else f"BOMCAT_HOME=DIR {shlex.join(command)}"
            parts += [f"Command: `{shown}` ({seconds:.0f} s, exit code {done.returncode})", ""]
            for line in (tables.read_text().splitlines() if tables.exists() else []):
                table = json.loads(line)
                parts += [markdown_table(table["columns"], with_anchors(table)), ""]
            parts += ["Output:", "", "```", done.stdout.rstrip(), "```", ""]
    return "\n".join(parts)
