"""The deployments ``vigie serve`` runs, and the process that serves them.

- ``monitor``: one pass (ingest -> analyse -> route -> today's digest file -> snapshot) every
  ``serve.monitor_interval_s`` seconds (15 minutes by default); analysis and routing run
  right after each ingest because they are the next steps of the same flow run.
- ``daily-digest``: yesterday's digest in French and English, e-mailed when SMTP is
  configured, every day at ``digest.hour`` in ``digest.timezone`` (Europe/Paris).

Both have ``concurrency_limit=1`` with ``CANCEL_NEW``: a run that comes due while the
previous one is still going is cancelled rather than piled up. Flows read their settings
from the environment (``VIGIE_DATA_DIR``, ``VIGIE_CONFIG``) so deployment parameters stay
plain JSON and the same deployments can run on workers on other machines.

Run as ``python -m flows.deployments`` (started by ``flows.serve``) with ``PREFECT_API_URL``
pointing at a real Prefect server: the temporary server schedules nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.digest import digest_flow
from vigie.config import Settings, load_settings


@flow(name="vigie-monitor", log_prints=False)
def monitor_flow() -> dict[str, Any]:
    """One full pass over the configured sources (the lead's pass flow, as a subflow)."""
    from flows.pipeline import vigie_pass

    return vigie_pass(load_settings())


def one_at_a_time() -> ConcurrencyLimitConfig:
    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


def build_deployments(settings: Settings) -> list[Any]:
    """The two runner deployments with their schedules (no server contact)."""
    monitor = monitor_flow.to_deployment(
        name="monitor",
        interval=max(1, int(settings.serve.monitor_interval_s)),
        concurrency_limit=one_at_a_time(),
        tags=["vigie"],
        description="Ingest, analyse, route, snapshot.",
    )
    digest = digest_flow.to_deployment(
        name="daily-digest",
        schedules=[Cron(f"0 {int(settings.digest.hour)} * * *", timezone=settings.digest.timezone)],
        parameters={"previous_day": True},
        concurrency_limit=one_at_a_time(),
        tags=["vigie"],
        description="Yesterday's digest (FR, EN), e-mailed to communication members.",
    )
    return [monitor, digest]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Vigie's deployments (see vigie serve).")
    parser.add_argument("--interval", type=int, help="seconds between monitor runs")
    parser.add_argument("--digest-hour", type=int, help="hour of the daily digest (local time)")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.interval:
        settings.serve.monitor_interval_s = args.interval
    if args.digest_hour is not None:
        settings.digest.hour = args.digest_hour
    from prefect import serve

    serve(*build_deployments(settings), print_starting_message=False)


if __name__ == "__main__":
    main()
