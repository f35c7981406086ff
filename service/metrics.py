"""The status figures as JSON and as Prometheus text: the same numbers the page shows."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from service.figures import Episode


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Episode):
        return to_jsonable({**asdict(value), "needs_human": value.needs_human})
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class _Figures(Collector):
    """A one-shot collector: each scrape builds fresh gauges from the figures just read."""

    def __init__(self, f: dict[str, Any]) -> None:
        self.f = f

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        f = self.f
        members = GaugeMetricFamily("village_members", "Members by status", labels=["status"])
        for status, n in f["members"].items():
            members.add_metric([status], n)
        yield members
        today = GaugeMetricFamily("village_checkins_today", "Today's check-ins (UTC day)", labels=["state"])
        for key in ("planned", "sent", "delivered", "answered", "skipped", "missed"):
            today.add_metric([key], f["daily"]["today"][key])
        yield today
        mood = GaugeMetricFamily("village_mood_today", "Today's replies by mood (UTC day; a check-in's answer by "
                                 "its day, any other text by the day it came)", labels=["level"])
        for key in ("crisis", "low", "ok"):
            mood.add_metric([key], f["daily"]["today"][key])
        yield mood
        yield GaugeMetricFamily("village_crisis_replies_24h", "Texts read as a crisis in the last 24 hours",
                                value=f["daily"]["crisis_24h"])
        yield from self._work()
        yield GaugeMetricFamily("village_alerts_needing_human", "Crisis and low episodes nobody has touched",
                                value=len(f["safety"]["open"]))
        failed = GaugeMetricFamily("village_delivery_failures_7d", "Failed deliveries in 7 days by Twilio code",
                                   labels=["code"])
        for row in f["failures"]["by_code"]:
            failed.add_metric([row["code"]], row["count"])
        yield failed
        yield GaugeMetricFamily("village_outbox_waiting", "Outbound messages pending or sending",
                                value=f["outbox"]["waiting"])
        if "events" in f:
            events = CounterMetricFamily("village_events", "Running totals of audited events: message_failed, alerts "
                                         "raised and escalated, crisis replies, opt-outs, enrolments", labels=["kind"])
            for kind, n in f["events"].items():
                events.add_metric([kind], n)
            yield events
        up = GaugeMetricFamily("village_health_ok", "1 when a health light is green", labels=["check"])
        for light in f["health"]:
            up.add_metric([light["name"]], 1 if light["level"] == "ok" else 0)
        yield up

    def _work(self) -> Iterator[GaugeMetricFamily]:
        work = self.f["work"]
        for key, help_text in (("depth", "Jobs waiting"), ("failed", "Jobs in RQ's failed registry"),
                               ("scheduled", "Jobs scheduled"), ("oldest_seconds", "Age of the oldest waiting job")):
            gauge = GaugeMetricFamily(f"village_queue_{key}", help_text, labels=["queue"])
            for name, q in work["queues"].items():
                gauge.add_metric([name], q[key])
            yield gauge
        yield GaugeMetricFamily("village_workers_alive", "RQ workers with a recent heartbeat",
                                value=sum(1 for w in work["workers"] if w["alive"]))
        yield GaugeMetricFamily("village_statuses_waiting", "Delivery statuses queued in Redis, not yet written",
                                value=work.get("statuses_waiting", 0))


def exposition(f: dict[str, Any]) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(f))
    return generate_latest(registry), CONTENT_TYPE_LATEST
