"""The OpenAPI schema and the docs page: complete, valid, and served under our strict CSP."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

WRITES = {"post", "put", "patch"}


def test_schema_generates_without_warnings_and_validates(tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {
        "/api/v1/clients/",
        "/api/v1/clients/{id}/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/interactions/",
        "/api/v1/interactions/{id}/",
        "/api/v1/interactions/{id}/complete-next-step/",
        "/api/v1/events/",
        "/api/v1/events/{id}/",
        "/api/v1/me/",
    } <= paths


def test_the_schema_description_names_every_resource_of_the_api() -> None:
    from django.conf import settings

    from khata.api.urls import router

    description = str(settings.SPECTACULAR_SETTINGS["DESCRIPTION"])
    for prefix, _viewset, _basename in router.registry:
        assert f"`{prefix}`" in description, prefix


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_schema_documents_field_errors_and_refusals(client: Any) -> None:
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        if method in WRITES:
            assert "400" in responses, (method, path)
        if "{id}" in path:
            assert "404" in responses, (method, path)
    errors = schema["components"]["schemas"]["ClientValidationError"]["properties"]
    assert {"tax_id", "country", "currency", "non_field_errors"} <= set(errors)
    listed = schema["paths"]["/api/v1/clients/"]["get"]["responses"]["400"]
    assert listed["content"]["application/json"]["schema"]["$ref"].endswith("ClientListError")
    assert {scheme["type"] for scheme in schema["components"]["securitySchemes"].values()} == {"apiKey"}


def test_docs_page_has_no_inline_script_or_style(client: Any) -> None:
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Content-Security-Policy" in response.headers
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "<style" not in html
    assert " style=" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts), scripts
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html  # served locally, no CDN

    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


@pytest.mark.browser
def test_docs_render_in_chromium_without_csp_errors(live_server: Any, page: Any) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    outside: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else outside.append(request.url),
    )

    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".swagger-ui .info .title").filter(has_text="Khata API").wait_for(timeout=15_000)
    # The docs draw the groups as the reader scrolls down to them.
    clients = page.locator(".opblock-tag", has_text="clients")
    for _ in range(40):
        if clients.count():
            break
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(250)
    clients.first.wait_for()
    page.locator(".opblock-summary-path", has_text="/api/v1/clients/").first.click()
    page.locator(".opblock.is-open .responses-table .response[data-code='400']").first.wait_for()

    assert problems == []
    assert [url for url in outside if not url.startswith("data:")] == []
