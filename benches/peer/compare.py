#!/usr/bin/env python3
"""match_csv against a pandas + DuckDB pipeline doing the same
classification, on the same generated data, in one run.

    python3 benches/peer/compare.py [--rows 1000000] [--profile xero] [--runs 5]

Steps (benches/README.md describes the method):

1. a virtual environment in target/peer-venv with the pinned packages of
   benches/peer/requirements.txt (made once, remade when that file changes);
2. `gen_contacts` and `match_csv` built in release with `parallel`;
3. ROWS local and ROWS remote records generated (seed 7 unless --seed);
4. one untimed run of each (page cache, output for the check), then RUNS
   timed runs of each, alternating (which goes first swaps every round),
   each a fresh child process: wall time, and CPU time (user + system)
   and peak RSS from `/usr/bin/time -v` (else from the child's own rusage
   via wait4);
5. both outputs compared record by record (every disagreement counted by
   class pair, a few printed);
6. medians, ranges and the ratio printed, with the load average.

Needs Python 3.11+ (standard library only; the pipeline runs in the venv)
and cargo. Nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGET = ROOT / "target"
VENV = TARGET / "peer-venv"
REQUIREMENTS = HERE / "requirements.txt"
GNU_TIME = Path("/usr/bin/time")


def say(msg: str) -> None:
    print(msg, flush=True)


def run_checked(cmd: list[str], **kw) -> None:
    say("$ " + " ".join(str(c) for c in cmd))
    subprocess.run(cmd, check=True, **kw)


def venv_python() -> Path:
    """The venv's interpreter, the venv (re)made when the pins changed."""
    python = VENV / "bin" / "python"
    stamp = VENV / "requirements.sha256"
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return python
    if VENV.exists():
        shutil.rmtree(VENV)
    run_checked([sys.executable, "-m", "venv", str(VENV)])
    run_checked([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)])
    stamp.write_text(want + "\n")
    return python


def build() -> Path:
    env = dict(os.environ, CARGO_INCREMENTAL="0")
    run_checked(
        [
            "cargo", "build", "--release", "--features", "parallel",
            "--example", "gen_contacts", "--example", "match_csv",
        ],
        cwd=ROOT,
        env=env,
    )
    return TARGET / "release" / "examples"


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds, every thread
    rss: int  # KiB


def measure(cmd: list[str], log: Path) -> Run:
    """Runs `cmd` as a fresh child: its wall time and peak RSS."""
    with open(log, "wb") as err:
        if GNU_TIME.exists():
            with tempfile.NamedTemporaryFile("r", suffix=".time") as rep:
                start = time.perf_counter()
                done = subprocess.run(
                    [str(GNU_TIME), "-v", "-o", rep.name, *cmd],
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
                wall = time.perf_counter() - start
                report = rep.read()
            fields = {
                k.strip(): v.strip()
                for k, _, v in (line.rpartition(":") for line in report.splitlines())
            }
            rss = int(fields["Maximum resident set size (kbytes)"])
            cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
            code = done.returncode
        else:
            start = time.perf_counter()
            child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            child.returncode = code = os.waitstatus_to_exitcode(status)
            rss = usage.ru_maxrss  # KiB on Linux
            cpu = usage.ru_utime + usage.ru_stime
    if code != 0:
        sys.exit(f"{cmd[0]} failed ({code}); see {log}")
    return Run(wall, cpu, rss)


def read_results(path: Path) -> tuple[list[str], dict[str, tuple[str, str, str]]]:
    """The remote ids in order and each one's (class, local_ids, matched_on)."""
    order: list[str] = []
    rows: dict[str, tuple[str, str, str]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != ["remote_id", "class", "local_ids", "matched_on"]:
            sys.exit(f"{path}: unexpected header {header}")
        for rid, cls, ids, on in reader:
            order.append(rid)
            rows[rid] = (cls, ids, on)
    return order, rows


def agreement(ours: Path, peer: Path, examples: int) -> bool:
    """Compares the two outputs record by record and prints the verdict."""
    identical = ours.read_bytes() == peer.read_bytes()
    a_order, a = read_results(ours)
    b_order, b = read_results(peer)
    pairs: collections.Counter[tuple[str, str]] = collections.Counter()
    shown: list[str] = []
    agree = 0
    for rid in a_order:
        x = a[rid]
        y = b.get(rid)
        if x == y:
            agree += 1
            continue
        pair = (x[0], y[0] if y else "(missing)")
        pairs[pair] += 1
        if len(shown) < examples:
            shown.append(f"  {rid}: match_csv {','.join(x)} | peer {','.join(y) if y else '-'}")
    extra = [rid for rid in b_order if rid not in a]
    for rid in extra:
        pairs[("(missing)", b[rid][0])] += 1
    same_order = a_order == b_order
    total = len(a_order)
    counts = collections.Counter(v[0] for v in a.values())
    say(
        "classes (match_csv): "
        + ", ".join(f"{c} {n}" for c, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    )
    say(
        f"agreement: {agree} of {total} records agree ({100.0 * agree / max(total, 1):.4f}%)"
        f"{f', {len(extra)} only in the peer output' if extra else ''}; "
        f"same order: {'yes' if same_order else 'no'}; "
        f"files byte-identical: {'yes' if identical else 'no'}"
    )
    if pairs:
        say("disagreements by class (match_csv -> peer):")
        for (x, y), n in pairs.most_common():
            say(f"  {x} -> {y}: {n}")
        say("examples:")
        for line in shown:
            say(line)
    return not pairs and same_order


def spread(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def ratio(a: float, b: float) -> str:
    """`a / b` as "3.1x" (time -v counts hundredths: b may be 0)."""
    return f"{a / b:.1f}x" if b > 0 else "n/a"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = 0
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({model}), {mem} MiB RAM"


def main() -> int:
    ap = argparse.ArgumentParser(description="match_csv against a pandas + DuckDB pipeline")
    ap.add_argument("--rows", type=int, default=1_000_000, help="local and remote rows each")
    ap.add_argument("--profile", choices=["xero", "xpm", "qbo"], default="xero")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--examples", type=int, default=10, help="disagreements printed")
    ap.add_argument("--no-build", action="store_true", help="use the binaries as built")
    args = ap.parse_args()
    if sys.version_info < (3, 11):
        sys.exit("needs Python 3.11 or later")

    python = venv_python()
    bins = TARGET / "release" / "examples" if args.no_build else build()
    work = TARGET / "peer" / f"{args.rows}-seed{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    run_checked(
        [
            str(bins / "gen_contacts"), "--local", str(args.rows), "--remote", str(args.rows),
            "--seed", str(args.seed), "--out-dir", str(work),
        ]
    )
    local, remote = work / "local.csv", work / "remote.csv"
    ours_out, peer_out = work / "match_csv.csv", work / "peer.csv"
    tools = {
        "match_csv": [
            str(bins / "match_csv"), "--profile", args.profile,
            "--local", str(local), "--remote", str(remote), "--out", str(ours_out),
        ],
        "peer": [
            str(python), str(HERE / "pipeline.py"), "--profile", args.profile,
            "--local", str(local), "--remote", str(remote), "--out", str(peer_out),
        ],
    }

    load_before = os.getloadavg()
    say(f"machine: {machine()}")
    say(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    say(f"rss from: {'/usr/bin/time -v' if GNU_TIME.exists() else 'wait4 rusage'}")
    for name, cmd in tools.items():
        r = measure(cmd, work / f"{name}.warmup.log")
        say(f"warm-up {name:9} {r.wall:7.3f} s wall {r.cpu:7.2f} s cpu {r.rss / 1024:6.0f} MiB (not counted)")

    results: dict[str, list[Run]] = {name: [] for name in tools}
    for i in range(args.runs):
        order = list(tools) if i % 2 == 0 else list(reversed(tools))
        for name in order:
            r = measure(tools[name], work / f"{name}.{i + 1}.log")
            results[name].append(r)
            say(f"run {i + 1} {name:9} {r.wall:7.3f} s wall {r.cpu:7.2f} s cpu {r.rss / 1024:6.0f} MiB")
    load_after = os.getloadavg()

    say("")
    say(f"{args.rows} x {args.rows}, profile {args.profile}, {args.runs} alternating runs each:")
    for name, runs in results.items():
        w = spread([r.wall for r in runs])
        c = spread([r.cpu for r in runs])
        m = spread([r.rss / 1024 for r in runs])
        say(
            f"  {name:9} wall median {w[0]:.3f} s (range {w[1]:.3f}-{w[2]:.3f}), "
            f"cpu median {c[0]:.2f} s (range {c[1]:.2f}-{c[2]:.2f}), "
            f"peak RSS median {m[0]:.0f} MiB (range {m[1]:.0f}-{m[2]:.0f})"
        )
    ours_wall = statistics.median(r.wall for r in results["match_csv"])
    peer_wall = statistics.median(r.wall for r in results["peer"])
    ours_rss = statistics.median(r.rss for r in results["match_csv"])
    peer_rss = statistics.median(r.rss for r in results["peer"])
    ours_cpu = statistics.median(r.cpu for r in results["match_csv"])
    peer_cpu = statistics.median(r.cpu for r in results["peer"])
    say(
        f"  ratio (medians): match_csv {ratio(peer_wall, ours_wall)} faster in wall time, "
        f"{ratio(peer_cpu, ours_cpu)} less cpu time, {ratio(peer_rss, ours_rss)} less peak memory"
    )
    say(f"  load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    last_peer = (work / f"peer.{args.runs}.log").read_text().strip().splitlines()
    last_ours = (work / f"match_csv.{args.runs}.log").read_text().strip().splitlines()
    say(f"  last run's phases: {last_ours[-1] if last_ours else '-'}")
    say(f"                     {last_peer[-1] if last_peer else '-'}")
    say("")
    ok = agreement(ours_out, peer_out, args.examples)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
