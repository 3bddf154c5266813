"""`make bench`: build a region, serve it with gunicorn, measure pages under 8 clients and the heavy jobs.

Prints progress on stderr and, as its last line on stdout, one JSON object with the figures.
Uses PostgreSQL when TEST_DATABASE_URL is set (the database is emptied first), else a SQLite file.
"""

import http.client
import json
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
CLIENTS = 8
REQUESTS_PER_CLIENT = 20
WARM_UP_REQUESTS = 2
# Every page, the trivial route included, is measured this many times in turn; its figure is the median.
ROUNDS = 3


def say(message: str) -> None:
    """Print progress to stderr."""
    print(message, file=sys.stderr, flush=True)


def environment(tmp: Path) -> dict[str, str]:
    """Return the environment of every process of the bench."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    else:
        url = f"sqlite:///{tmp}/bench.db"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-secret",
        BASE_URL="http://127.0.0.1",
        INSTANCE_DIR=str(tmp),
        UPLOAD_DIR=str(tmp / "uploads"),
        MAIL_OUTBOX_DIR=str(tmp / "outbox"),
        LOG_LEVEL="WARNING",
        SMTP_HOST="",
    )
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    """Run a command and return its standard output; stop the bench when it fails."""
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        say(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return done.stdout


def last_json(output: str) -> dict:
    """Return the JSON object on the last line of a command's output."""
    return json.loads(output.strip().splitlines()[-1])


def reset_postgres(env: dict[str, str]) -> None:
    """Empty the PostgreSQL database the bench uses."""
    if env["DATABASE_URL"].startswith("postgresql"):
        run(
            [
                str(BIN / "python"),
                "-c",
                "import os, sqlalchemy; e = sqlalchemy.create_engine(os.environ['DATABASE_URL']);\n"
                "with e.begin() as c: c.exec_driver_sql('DROP SCHEMA public CASCADE'); "
                "c.exec_driver_sql('CREATE SCHEMA public')",
            ],
            env,
        )


SWEEP = """
import json, resource, time
from datetime import UTC, datetime, timedelta
from tracker.app import create_app
from tracker.notifications.jobs import sweep
app = create_app()
with app.app_context():
    # The first 09:00 in the region's time zone (UTC+7) after it was generated: the morning pass that sends
    # the day's reminders (one before the tasks existed would send none of them).
    now = datetime.now(UTC)
    moment = now.replace(hour=2, minute=0, second=0, microsecond=0)
    if moment < now:
        moment += timedelta(days=1)
    started = time.perf_counter()
    report = sweep(moment)
    first = time.perf_counter() - started
    started = time.perf_counter()
    sweep(moment.replace(minute=1))
    second = time.perf_counter() - started
sent = report.get("send_outbox_job", {}).get("sent", 0)
planned = report.get("plan_reminders_job", {}).get("planned", 0)
print(json.dumps({"first": first, "second": second, "sent": sent, "planned": planned,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IDS = """
import json
from sqlalchemy import select, func
from tracker.app import create_app
from tracker.extensions import db
from tracker.auth.models import User
from tracker.notifications.feeds import calendar_token
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.models import Roadmap, Activity
app = create_app()
with app.app_context():
    authority = db.session.execute(select(Organization).where(Organization.kind == OrgKind.authority,
        Organization.short_name == "Управление образования").order_by(Organization.id)).scalars().first()
    roadmap = db.session.execute(select(Roadmap).where(Roadmap.organization_id == authority.id)).scalar_one()
    executor = db.session.execute(select(User).where(User.email == "isp1-0@region.test")).scalar_one()
    print(json.dumps({"roadmap": roadmap.id, "calendar": calendar_token(executor),
                      "activities": db.session.execute(select(func.count(Activity.id)).where(
                          Activity.roadmap_id == roadmap.id)).scalar()}))
"""


def free_port() -> int:
    """Return a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A keep-alive HTTP client with a session cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        """Send a request; return the status and the body as it came (decoding is not part of the timing)."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed the connection (synchronous workers answer one request per connection).
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, content

    def login(self, email: str) -> None:
        _, content = self.request("GET", "/login")
        page = content.decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"email": email, "password": "demo", "csrf_token": token})
        status, _ = self.request("POST", "/login", body)
        if status != 302:
            raise SystemExit(f"login failed for {email}: {status}")


def _client_timings(args: tuple) -> list[float]:
    """Run one client: sign in, warm up, wait for the common start, then time its requests in ms."""
    port, email, path, start = args
    client = Client(port)
    if email:
        client.login(email)
    for _ in range(WARM_UP_REQUESTS):
        status, _ = client.request("GET", path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    time.sleep(max(0.0, start - time.time()))
    timings = []
    for _ in range(REQUESTS_PER_CLIENT):
        started = time.perf_counter()
        client.request("GET", path)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def measure(pool, port: int, email: str | None, path: str) -> float:
    """Return the 95th percentile in ms of GET path under CLIENTS concurrent clients.

    Each client is a process of its own: threads of one process would wait for each other's turn to read
    their answers (the GIL), which the server is not to blame for.
    """
    start = time.time() + 2 + WARM_UP_REQUESTS * 0.5
    timings = [
        t for client in pool.map(_client_timings, [(port, email, path, start)] * CLIENTS) for t in client
    ]
    return round(statistics.quantiles(timings, n=20)[18], 1)


def main() -> None:
    """Run every measurement and print the figures."""
    tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    env = environment(tmp)
    say(f"database: {env['DATABASE_URL'].split('@')[-1]}")
    reset_postgres(env)
    run([str(BIN / "tracker"), "db", "upgrade", "heads"], env)
    started = time.perf_counter()
    counts = last_json(
        run([str(BIN / "tracker"), "seed", "region"], env).replace("\n", "").replace("{", "\n{")
    )
    say(f"region built in {time.perf_counter() - started:.1f} s: {counts}")
    ids = last_json(run([str(BIN / "python"), "-c", IDS], env))

    sweep = last_json(run([str(BIN / "python"), "-c", SWEEP], env))
    say(f"reminder sweep: {sweep}")

    port = free_port()
    # The server as the README deploys it: gunicorn's synchronous workers, two per core of this machine.
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            *("-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"),
            "tracker.app:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                if Client(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        pages = {
            "my_tasks_p95_ms": ("s1-1-0@region.test", "/tasks/"),
            "roadmap_page_p95_ms": ("koord1-0@region.test", f"/roadmaps/{ids['roadmap']}"),
            "municipal_dashboard_p95_ms": ("koord1-0@region.test", "/tasks/overview"),
            "region_dashboard_p95_ms": ("admin@region.test", "/tasks/overview"),
            "trivial_p95_ms": (None, "/healthz"),
            "calendar_feed_p95_ms": (None, f"/calendar/{ids['calendar']}.ics"),
        }
        # In turns, so that a spell of the machine being busy elsewhere falls on every page alike.
        rounds: dict[str, list[float]] = {name: [] for name in pages}
        with multiprocessing.Pool(CLIENTS) as pool:
            for _ in range(ROUNDS):
                for name, (email, path) in pages.items():
                    rounds[name].append(measure(pool, port, email, path))
        say(f"pages, each round: {rounds}")
        figures = {name: statistics.median(values) for name, values in rounds.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    say(f"pages: {figures}")
    floor = figures["trivial_p95_ms"]
    say(f"times the trivial route: { {name: round(value / floor, 1) for name, value in figures.items()} }")

    pure = {}
    for script in ("report_bench.py", "classify_bench.py", "import_bench.py"):
        pure |= last_json(run([str(BIN / "python"), str(ROOT / "bench" / script)], env))
    figures |= pure
    # The first pass also sends the backlog of overdue reminders the generated data holds; the next pass
    # is the steady state the scheduler runs every minute.
    figures["reminder_sweep_s"] = round(sweep["second"], 2)
    figures["reminder_first_pass_s"] = round(sweep["first"], 2)
    figures["reminder_first_pass_sent"] = sweep["sent"]
    figures["reminder_sweep_max_rss_mb"] = round(sweep["max_rss_mb"], 1)
    figures["tasks"] = counts["tasks"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
