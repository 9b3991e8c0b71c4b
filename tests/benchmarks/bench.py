"""kam's benchmark: figures side by side with floors measured in the same run, on the same files.

    uv run python tests/benchmarks/bench.py [--accounts 100,1000] [--runs 3] [--peer] [--keep DIR]

For each size it writes a ledger with ``kam demo`` (seeded: the same files every time), then
measures, each in a fresh process with the files in the OS cache:

- floor: read and parse every file with PyYAML's C loader, nothing else (one process);
- stat walk: ``os.walk`` and ``os.stat`` of every file, nothing else;
- kam validate, cold (empty cache) and warm (the same command again);
- kam build, cold (empty cache), and its peak memory;
- kam serve: the time from saving one visit file to the server answering with the rebuilt
  account page (the median of several saves), and the dashboard after a save;
- with ``--peer``: check-jsonschema (run through ``uvx``) on the same files, per schema.

Medians of ``--runs`` runs. Not part of the test run: timings belong here, not in asserts. The
targets of docs/performance.md are checked at the end, and every miss is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UNTIL = "2026-11-23"
FLOOR = """
import os, sys, yaml
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            yaml.load(f.read(), Loader=yaml.CSafeLoader)
"""
STAT_WALK = """
import os, sys
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        os.stat(os.path.join(folder, name))
"""


def child_env(cache: Path) -> dict[str, str]:
    env = {**os.environ, "KAM_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure kam as installed: with bytecode
    return env


def run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (MB) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err}")
    return elapsed, usage.ru_maxrss // 1024


def kam(*args: str) -> list[str]:
    return [sys.executable, "-m", "ledger", *args]


def median_of(runs: int, measure) -> tuple[float, int]:
    results = [measure() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def serve_latency(root: Path, env: dict[str, str], saves: int) -> tuple[float, float]:
    """Median ms from saving a visit to the rebuilt page, and ms for the dashboard after."""
    proc = subprocess.Popen(
        kam("--ledger", str(root), "serve", "--port", "0", "--as-of", UNTIL),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True).start()  # type: ignore[arg-type]
    try:
        deadline = time.monotonic() + 300
        port = None
        while port is None:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("kam serve did not start:\n" + "".join(lines))
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", "".join(lines))
            port = int(found.group(1)) if found else None
            time.sleep(0.05)
        visit = sorted((root / "acct-00007" / "visits").glob("*-v01.yaml"))[0]
        page = "/accounts/acct-00007.html"
        get(port, page)
        get(port, "/index.html")
        latencies, dashboards = [], []
        for n in range(saves):
            marker = f"bench-{n}-{time.time_ns()}"
            text = re.sub(r"summary: .*", f"summary: {marker}", visit.read_text("utf-8"))
            time.sleep(0.3)  # let the previous rebuild settle
            started = time.perf_counter()
            visit.write_text(text, encoding="utf-8")
            while marker.encode() not in get(port, page):
                time.sleep(0.002)
            latencies.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            get(port, "/index.html")
            dashboards.append((time.perf_counter() - started) * 1000)
        return statistics.median(latencies), statistics.median(dashboards)
    finally:
        proc.terminate()
        proc.wait(10)


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


def peer(root: Path) -> float | None:
    """check-jsonschema on the same files (each kind against its schema), in batches."""
    uvx = shutil.which("uvx")
    if uvx is None:
        return None
    cmd = [uvx, "--quiet", "--from", "check-jsonschema", "check-jsonschema"]
    kinds = {
        "visit": sorted(root.glob("*/visits/*.yaml")),
        "complaint": sorted(root.glob("*/complaints/*.yaml")),
        "dossier": sorted(root.glob("*/dossier.yaml")),
        "ledger": [root / "ledger.yaml"],
    }
    subprocess.run([*cmd, "--version"], check=True, capture_output=True)  # install it first
    total = 0.0
    for kind, files in kinds.items():
        schema = REPO / "schema" / f"{kind}.schema.json"
        for start in range(0, len(files), 8000):
            batch = [str(f) for f in files[start : start + 8000]]
            began = time.perf_counter()
            subprocess.run(
                [*cmd, "--schemafile", str(schema), *batch], capture_output=True, check=False
            )
            total += time.perf_counter() - began
    return total


def measure(accounts: int, runs: int, with_peer: bool, keep: Path | None) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix=f"kam-bench-{accounts}-"))
    root = (keep or work) / f"ledger-{accounts}"
    cache = work / "cache"
    env = child_env(cache)
    if not root.exists():
        subprocess.run(
            kam("demo", str(root), "--accounts", str(accounts), "--until", UNTIL),
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    files = sum(len(names) for _, _, names in os.walk(root))
    time.sleep(2.5)  # files written just now are not cached (ledger.load.cache.RACY_SECONDS)
    run(kam("--version"), env)  # bytecode written, files read once: everything warm
    run([sys.executable, "-c", FLOOR, str(root)], env)
    out: dict[str, float] = {"accounts": accounts, "files": files}

    out["floor_s"] = median_of(runs, lambda: run([sys.executable, "-c", FLOOR, str(root)], env))[0]
    out["stat_walk_s"] = median_of(
        runs, lambda: run([sys.executable, "-c", STAT_WALK, str(root)], env)
    )[0]

    def cold_validate() -> tuple[float, int]:
        shutil.rmtree(cache, ignore_errors=True)
        return run(kam("--ledger", str(root), "validate", "--as-of", UNTIL), env)

    out["validate_cold_s"], out["validate_cold_mb"] = median_of(runs, cold_validate)
    out["validate_warm_s"], _ = median_of(
        runs, lambda: run(kam("--ledger", str(root), "validate", "--as-of", UNTIL), env)
    )
    site = work / "site"

    def cold_build() -> tuple[float, int]:
        shutil.rmtree(cache, ignore_errors=True)
        return run(kam("--ledger", str(root), "build", "--as-of", UNTIL, "-o", str(site)), env)

    out["build_cold_s"], out["build_cold_mb"] = median_of(runs, cold_build)
    out["serve_save_ms"], out["serve_dashboard_ms"] = serve_latency(root, env, max(5, runs))
    if with_peer:
        out["check_jsonschema_s"] = peer(root) or float("nan")
    shutil.rmtree(work, ignore_errors=True)
    return out


def report(results: list[dict[str, float]]) -> list[str]:
    """The table, and the targets with their verdicts."""
    rows = [
        ("files", "files", "{:,.0f}"),
        ("floor: read + C-parse (1 process)", "floor_s", "{:.2f} s"),
        ("bare stat walk", "stat_walk_s", "{:.2f} s"),
        ("kam validate, cold", "validate_cold_s", "{:.2f} s"),
        ("kam validate, warm", "validate_warm_s", "{:.2f} s"),
        ("kam build, cold", "build_cold_s", "{:.2f} s"),
        ("save → rebuilt account page (serve)", "serve_save_ms", "{:.0f} ms"),
        ("dashboard after a save (serve)", "serve_dashboard_ms", "{:.0f} ms"),
        ("peak memory, validate (main process)", "validate_cold_mb", "{:.0f} MB"),
        ("peak memory, build (main process)", "build_cold_mb", "{:.0f} MB"),
        ("check-jsonschema, same files", "check_jsonschema_s", "{:.2f} s"),
    ]
    head = "| | " + " | ".join(f"{r['accounts']:,.0f} accounts" for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]
    for label, key, fmt in rows:
        if all(key in r for r in results):
            lines.append(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results) + " |")
    big, small = results[-1], results[0]
    targets = [
        ("cold validate ≤ 1.3 × floor", big["validate_cold_s"] / big["floor_s"], 1.3),
        ("warm validate ≤ 2 × stat walk", big["validate_warm_s"] / big["stat_walk_s"], 2.0),
        ("cold build ≤ 2 × cold validate", big["build_cold_s"] / big["validate_cold_s"], 2.0),
        ("save → rebuilt ≤ 150 ms", big["serve_save_ms"], 150),
        ("save → rebuilt ≤ 1.5 × smaller", big["serve_save_ms"] / small["serve_save_ms"], 1.5),
        ("peak memory ≤ 500 MB", max(big["build_cold_mb"], big["validate_cold_mb"]), 500),
    ]
    if "check_jsonschema_s" in big:
        targets.append(
            ("faster than check-jsonschema", big["validate_cold_s"] / big["check_jsonschema_s"], 1)
        )
    lines += ["", "| target | measured | |", "|---|---|---|"]
    for name, value, limit in targets:
        verdict = "met" if value <= limit else "**missed**"
        lines.append(f"| {name} | {value:.2f} | {verdict} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", default="100,1000", help="comma-separated sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--peer", action="store_true", help="also time check-jsonschema")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated ledgers here")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sizes = [int(n) for n in args.accounts.split(",")]
    print(
        f"# kam benchmark, {dt.date.today()}: {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.platform()}",
        flush=True,
    )
    results = []
    for n in sizes:
        results.append(measure(n, args.runs, args.peer, args.keep))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print("\n".join(report(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
