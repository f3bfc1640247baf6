"""Developer entry point behind ``make run`` and ``make test``.

Finds the services the system needs and exports their addresses before anything else runs:

- PostgreSQL: ``DATABASE_URL`` if set, else 127.0.0.1:5432 if it answers, else an embedded
  server (the ``pgserver`` wheel from PyPI) with its data under ``.data/pg``.
- Broker: ``REDIS_URL`` if set, else 127.0.0.1:6379 if it answers, else kombu's filesystem
  transport under ``.data/broker`` (one machine only, enough for a demo).

``run`` then migrates every schema, bootstraps HQ and the provinces, seeds demo data on the
first run, and starts the web server, a Celery worker and Celery beat together; Ctrl-C stops
all three. ``test`` runs the whole test suite on two pytest-xdist workers (extra arguments
go to pytest; ``TEST_WORKERS`` changes the number of workers, 1 runs in one process).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("KACRM_DATA_DIR", ROOT / ".data"))
PY = sys.executable
PGSERVER_PIN = "pgserver==0.1.4"


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def find_database() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if answers("127.0.0.1", 5432):
        return "postgres://postgres@127.0.0.1:5432/kacrm"
    print("No PostgreSQL on 127.0.0.1:5432: starting an embedded one under .data/pg")
    try:
        import pgserver  # noqa: F401
    except ImportError:
        subprocess.run([PY, "-m", "pip", "install", "--quiet", PGSERVER_PIN], check=True)
    import pgserver

    server = pgserver.get_server(str(DATA / "pg"), cleanup_mode=None)
    socket_dir = server.get_uri().split("host=")[-1].split("&")[0]
    return f"postgres://postgres@{quote(socket_dir, safe='')}/kacrm"


def find_broker() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if answers("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0"
    print("No Redis on 127.0.0.1:6379: using kombu's filesystem broker under .data/broker")
    for folder in ("queue", "processed"):
        (DATA / "broker" / folder).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
    return "redis://127.0.0.1:6379/0"


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when it does not exist yet."""
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v})
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    conn.close()


def prepare_environment() -> None:
    DATA.mkdir(exist_ok=True)
    os.environ["DATABASE_URL"] = find_database()
    os.environ["REDIS_URL"] = find_broker()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    ensure_database(os.environ["DATABASE_URL"])


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def run() -> int:
    prepare_environment()
    port = os.environ.get("PORT", "8000")
    base = os.environ.get("BASE_DOMAIN", "localhost")
    manage("migrate_schemas", "--noinput", "-v", "0")
    manage("bootstrap")
    marker = DATA / f"demo-seeded-{base}"
    if not marker.exists():
        manage("seed_hq_demo")
        manage("seed_demo", "--all", "--customers", "2000")
        marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
    processes = [
        subprocess.Popen([PY, "manage.py", "runserver", f"0.0.0.0:{port}", "--noreload"], cwd=ROOT),
        subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
            cwd=ROOT,
        ),
        subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(DATA / "celerybeat-schedule"),
            ],
            cwd=ROOT,
        ),
    ]
    print(
        f"\n  HQ:        http://hq.{base}:{port}/\n"
        f"  Beijing:   http://bj.{base}:{port}/   (every province: http://<short>.{base}:{port}/)\n"
        f"  Directory: http://{base}:{port}/\n"
        f"  API docs:  http://bj.{base}:{port}/api/docs/\n"
        "  Demo logins (password demo-2026): admin, supervisor, manager, agent, channel,\n"
        "  marketing, auditor in every province; hqadmin, analyst at HQ.\n"
        "  Ctrl-C stops the web server, the worker and beat.\n"
    )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


def test_workers(args: list[str]) -> list[str]:
    """pytest-xdist options: ``TEST_WORKERS`` workers (default: two, or one per CPU when
    fewer), unless the arguments choose for themselves. Not more than two by default: each
    concurrency test holds 33 connections, and PostgreSQL allows 100."""
    if any(a.startswith(("-n", "--numprocesses")) or a.endswith("no:xdist") for a in args):
        return []
    workers = int(os.environ.get("TEST_WORKERS") or min(2, os.cpu_count() or 1))
    return ["-n", str(workers)] if workers > 1 else []


def test(args: list[str]) -> int:
    prepare_environment()
    # A queue of its own, so a `make run` worker on the same Redis never takes test tasks.
    os.environ.setdefault("CELERY_QUEUE", "kacrm-test")
    return subprocess.call([PY, "-m", "pytest", *test_workers(args), *args], cwd=ROOT)


def main() -> int:
    command, *rest = sys.argv[1:] or ["run"]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    if command == "bench":
        prepare_environment()
        # Every benchmark in turn; sizes come from BENCH_* environment variables.
        scripts = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
        codes = [subprocess.call([PY, str(p), *rest], cwd=ROOT) for p in scripts]
        return max(codes, default=0)
    if command == "env":
        prepare_environment()
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
            print(f"{name}={os.environ.get(name, '')}")
        return 0
    print(f"unknown command {command!r}; use run, test, bench or env", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
