"""Small helpers of the API tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client as HttpClient


def call(http: HttpClient, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    """One JSON request; ``body`` may be a dict (sent as JSON) or raw text."""
    data = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
    return getattr(http, method.lower())(url, data=data, content_type="application/json", **extra)


def results(response: Any) -> list[dict[str, Any]]:
    payload = response.json()
    assert set(payload) == {"next", "previous", "results"}, payload
    return list(payload["results"])
