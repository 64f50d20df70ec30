"""Prometheus metrics of the API: requests by route and status, and their latency.

Under gunicorn every worker process counts on its own; `hooky-api` points PROMETHEUS_MULTIPROC_DIR at a
fresh directory so that GET /metrics adds them all up.
"""
from __future__ import annotations

import logging
import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("hooky_api_requests", "API requests, by route template, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("hooky_api_request_duration_seconds", "API request latency, by route template and method.",
                    ["route", "method"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
access_log = logging.getLogger("hooky.api.access")


def route_label() -> str:
    """The route template (/accounts/<account_id>/...), never the raw path: labels stay bounded."""
    return request.url_rule.rule if request.url_rule else "unmatched"


def instrument(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route = route_label()
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        LATENCY.labels(route, request.method).observe(elapsed)
        user = request.authorization.username if request.authorization else "-"
        access_log.info("%s %s %s %d %.1f ms", user, request.method, request.path, response.status_code,
                        elapsed * 1000, extra={"user": user, "method": request.method, "route": route,
                                               "status": response.status_code,
                                               "durationMs": round(elapsed * 1000, 1)})
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY
