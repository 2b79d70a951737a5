"""The OpenAPI document: valid, warning-free, and describing the error shape."""

import json

import pytest
from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.stat().st_size > 0


@pytest.mark.django_db
def test_schema_documents_the_error_responses(api):
    schema = json.loads(api.get("/api/schema/?format=json").content)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "detail"}
    start = schema["paths"]["/api/auctions/{id}/start/"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "429"} <= set(start)
    assert start["409"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    create = schema["paths"]["/api/auctions/"]["post"]["responses"]
    assert create["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ValidationError"
    snapshot = schema["components"]["schemas"]["AuctionSnapshot"]
    assert "reserve_price" in snapshot["properties"]
    assert "reserve_price" not in snapshot["required"]  # organizers only


@pytest.mark.django_db
def test_swagger_ui_is_served(api):
    assert api.get("/api/docs/").status_code == 200
