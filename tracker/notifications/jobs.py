"""Background work: one sweep over database rows, run by exactly one scheduler process."""

import logging
import signal
from datetime import datetime

from flask import Flask

log = logging.getLogger(__name__)

# Each job takes `now` so tests and `tracker notify run-once --now …` can act at any moment.
JOBS: list = []


def sweep(now: datetime) -> dict:
    """Run every registered job once as if it were `now`; return what each reported."""
    report = {"now": now.isoformat()}
    for job in JOBS:
        report[job.__name__] = job(now)
    return report


def run_scheduler(app: Flask) -> None:
    """Run the sweep every SCHEDULER_INTERVAL_SECONDS until the process is stopped."""
    from datetime import UTC

    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")

    def tick() -> None:
        with app.app_context():
            try:
                sweep(datetime.now(UTC))
            except Exception:
                # A failed pass is logged and retried at the next tick; rows not marked sent are picked up again.
                log.exception("sweep failed")

    scheduler.add_job(tick, "interval", seconds=app.config["SCHEDULER_INTERVAL_SECONDS"], id="sweep",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler started: sweep every %s s", app.config["SCHEDULER_INTERVAL_SECONDS"])
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
