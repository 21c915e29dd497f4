"""``python -m bench.run [NAME ...]``: every ``bench/bench_*.py`` (or those named), one report.

1. Makes sure PostgreSQL and Redis answer on 127.0.0.1 (starts the machine's cluster / a
   redis-server when they are down), then gives each benchmark a fresh database
   (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/nem_bench, dropped, created and
   migrated) and an empty Redis DB (REDIS_URL, default redis://127.0.0.1:6379/8).
2. Runs each module's ``run()`` in its own subprocess, so a crash or a hang (BENCH_TIMEOUT
   seconds, default 900) is one failed row, not a lost report.
3. Writes one Markdown table (figure, value, unit, reference, reference value, ratio, target, ok)
   to reports/bench.md, and the rows as JSON to reports/bench.json, and prints the table.

A missed target is reported (ok = FAIL), never hidden. Exit status 0 unless ``--strict`` and a
target failed or a module crashed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import Row

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nem_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"


def discover(names: list[str]) -> list[str]:
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if names:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in names}
        unknown = wanted - set(modules)
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {', '.join(modules)}")
        modules = [m for m in modules if m in wanted]
    return modules


# --- services ---------------------------------------------------------------------------------


def _sh(*cmd: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


def ensure_postgres(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", str(parts.port or 5432)
    if _sh("pg_isready", "-h", host, "-p", port, "-q").returncode == 0:
        return
    clusters = sorted(Path("/etc/postgresql").glob("*/main")) if Path("/etc/postgresql").exists() else []
    if not clusters:
        raise SystemExit(f"PostgreSQL is not answering on {host}:{port} and no cluster is installed")
    version = clusters[-1].parent.name
    print(f"bench: starting PostgreSQL {version}/main", flush=True)
    _sh("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start", check=True)
    for _ in range(50):
        if _sh("pg_isready", "-h", host, "-p", port, "-q").returncode == 0:
            return
        time.sleep(0.2)
    raise SystemExit("PostgreSQL did not come up")


def ensure_redis(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", str(parts.port or 6379)
    if _sh("redis-cli", "-h", host, "-p", port, "ping").stdout.strip() == "PONG":
        return
    print(f"bench: starting redis-server on {host}:{port}", flush=True)
    _sh("redis-server", "--daemonize", "yes", "--bind", host, "--port", port, "--save", "", "--appendonly", "no", check=True)
    for _ in range(50):
        if _sh("redis-cli", "-h", host, "-p", port, "ping").stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    raise SystemExit("redis-server did not come up")


def fresh_database(url: str, env: dict[str, str]) -> None:
    """Drop, create and migrate the benchmark database: every run starts from the same state."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("nem_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database name must start with nem_bench")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --- running ----------------------------------------------------------------------------------


def run_child(module: str, out: str) -> None:
    """In the subprocess: import the module, call run(), write its rows as JSON."""
    sys.path.insert(0, str(ROOT))
    rows = importlib.import_module(f"bench.{module}").run()
    Path(out).write_text(json.dumps([dataclasses.asdict(r) for r in rows]))


def run_module(module: str, env: dict[str, str], timeout: int) -> tuple[list[Row], float]:
    out = REPORTS / f".{module}.json"
    out.unlink(missing_ok=True)
    started = time.monotonic()
    cmd = [sys.executable, "-m", "bench.run", "--child", module, "--out", str(out)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        code, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, stderr = "timeout", (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    elapsed = time.monotonic() - started
    if code == 0 and out.exists():
        rows = [Row(**r) for r in json.loads(out.read_text())]
        out.unlink()
        return rows, elapsed
    last = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
    (REPORTS / f"{module}.stderr.log").write_text(stderr)
    why = " | ".join(last) or "no output"
    return [Row(f"{module}: crashed (exit {code})", math.nan, "", why[:300], None, "runs to completion", False)], elapsed


# --- report -----------------------------------------------------------------------------------


def _num(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        if value == int(value) and abs(value) >= 100:
            return f"{int(value):,}"
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(results: list[tuple[str, list[Row], float]], header: dict[str, str]) -> str:
    lines = ["# NEM benchmark report", ""]
    lines += [f"- {k}: {v}" for k, v in header.items()]
    lines += ["", "| module | figure | value | unit | reference | reference value | ratio | target | ok |",
              "|---|---|---:|---|---|---:|---:|---|---|"]
    failed = 0
    for module, rows, _elapsed in results:
        for r in rows:
            ok = {True: "ok", False: "**FAIL**", None: "—"}[r.ok]
            failed += r.ok is False
            ratio = r.ratio
            lines.append(
                f"| {module.removeprefix('bench_')} | {_cell(r.figure)} | {_num(r.value)} | {_cell(r.unit)} | {_cell(r.reference)} "
                f"| {_num(r.reference_value)} | {_num(round(ratio, 3)) if ratio is not None else '—'} | {_cell(r.target)} | {ok} |"
            )
    lines += ["", f"{failed} target(s) failed. Module wall times: "
              + ", ".join(f"{m.removeprefix('bench_')} {e:.0f} s" for m, _r, e in results) + "."]
    return "\n".join(lines) + "\n"


def machine_header(env: dict[str, str]) -> dict[str, str]:
    def first_line(*cmd: str) -> str:
        try:
            return _sh(*cmd).stdout.strip().splitlines()[0]
        except (IndexError, OSError):
            return "?"

    rev = first_line("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    dirty = " (uncommitted changes)" if _sh("git", "-C", str(ROOT), "status", "--porcelain").stdout.strip() else ""
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": rev + dirty,
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}",
        "PostgreSQL": first_line("psql", "--version"),
        "Redis": first_line("redis-server", "--version"),
        "database": urlsplit(env["DATABASE_URL"])._replace(netloc=urlsplit(env["DATABASE_URL"]).hostname or "").geturl(),
        "cache": env["REDIS_URL"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (load, media...); default all")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target failed or a module crashed")
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child, args.out)
        return 0

    modules = discover(args.names)
    REPORTS.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    env.setdefault("DJANGO_SETTINGS_MODULE", "nem.settings.test")
    env.setdefault("NEM_ONVIF_MULTICAST", "false")
    env.setdefault("NEM_CACHE_PREFIX", "nem-bench")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    ensure_postgres(env["DATABASE_URL"])
    ensure_redis(env["REDIS_URL"])

    timeout = int(env.get("BENCH_TIMEOUT", "900"))
    results = []
    for module in modules:
        fresh_database(env["DATABASE_URL"], env)  # per module: no benchmark sees another's rows
        flush_redis(env["REDIS_URL"])
        print(f"bench: {module} ...", flush=True)
        rows, elapsed = run_module(module, env, timeout)
        print(f"bench: {module} done in {elapsed:.0f} s ({len(rows)} rows)", flush=True)
        results.append((module, rows, elapsed))

    report = render(results, machine_header(env))
    (REPORTS / "bench.md").write_text(report)
    (REPORTS / "bench.json").write_text(
        json.dumps([{"module": m, **dataclasses.asdict(r), "ratio": r.ratio} for m, rows, _ in results for r in rows],
                   default=lambda v: None, indent=1)
    )
    print(report)
    print(f"bench: report written to {REPORTS / 'bench.md'}")
    bad = any(r.ok is False for _m, rows, _e in results for r in rows)
    return 1 if (args.strict and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
