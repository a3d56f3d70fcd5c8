"""Open311 GeoReport v2 as a third-party app sees it: the `georeport` client library from PyPI
lists the services, reads a service's definition and reads requests back, in JSON and in XML
(which it parses with xmltodict), against the real samat-server. A request is filed with a key
issued by `samat-server apikeys add`, posted form-encoded exactly as the spec describes (the
library has no call for filing). The raw answers are checked against the spec's element lists
with ElementTree and json, and carry nothing personal.

`open311` 1.1 on PyPI is the older client, but it is Python 2 code (it fails to import on
Python 3), so it cannot be used here.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "web"))
from samat import BINARY, Server  # noqa: E402

PHONE = "09121234567"
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


def apikeys(server: Server, *args: str) -> str:
    out = subprocess.run(
        [str(BINARY), "--database", f"sqlite://{server.dir.name}/samat.db", "apikeys", *args],
        capture_output=True, text=True, timeout=60, env={"SAMAT_LOG": "warn", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def key(server):
    return apikeys(server, "add", "--name", "civic app test").strip().splitlines()[-1]


def file_request(server: Server, key: str, fmt: str = "json", **extra) -> requests.Response:
    fields = {
        "api_key": key, "service_code": "no_invoice", "description": "فروشنده فاکتور نداد",
        "phone": PHONE, "first_name": "Ali", "last_name": "Rezaei", "email": "ali@example.org",
        "jurisdiction_id": "tehran", "attribute[guild_id]": "10010010011", **extra,
    }
    return requests.post(f"{server.url}/open311/v2/requests.{fmt}", data=fields, timeout=30)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_library_lists_services_and_reads_a_definition(server, fmt):
    client = GeoReport(f"{server.url}/open311/v2", jurisdiction="tehran", output_format=fmt)
    services = client.get_service_list()
    assert len(services) == 9
    codes = [s["service_code"] for s in services]
    assert "no_invoice" in codes and "smuggled_goods" in codes
    for s in services:
        assert set(SERVICE_FIELDS) <= set(s), s
    definition = client.get_service_definition("fraud")
    assert definition["service_code"] == "fraud"
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert {a["code"] for a in attributes} >= {"guild_id", "incident_date", "wants_compensation"}


def test_a_request_filed_with_a_key_reads_back_through_the_library(server, key):
    before = len(server.sms())
    filed = file_request(server, key)
    assert filed.status_code == 200, filed.text
    answer = filed.json()
    request_id = answer[0]["service_request_id"]
    # The citizen gets the tracking code by SMS, as from every channel; the app does not.
    sms = server.wait_sms(PHONE, lambda s: "کد رهگیری" in s["text"])
    code = re.search(r"کد رهگیری: (\d{10})", sms["text"]).group(1)
    assert code not in filed.text and code != request_id
    # A retry of the same POST is the same request and no second SMS.
    again = file_request(server, key)
    assert again.json()[0]["service_request_id"] == request_id
    assert len([s for s in server.sms()[before:] if code in s["text"]]) == 1

    for fmt in ["json", "xml"]:
        client = GeoReport(f"{server.url}/open311/v2", output_format=fmt)
        one = client.get_service_request(request_id)
        assert one["service_request_id"] == request_id
        assert one["status"] == "open" and one["service_code"] == "no_invoice"
        assert set(REQUEST_FIELDS) <= set(one), one
        listed = client.get_service_requests(service_code="no_invoice", status="open")
        listed = listed if isinstance(listed, list) else [listed]
        assert request_id in [r["service_request_id"] for r in listed]
        text = json.dumps([one, listed], ensure_ascii=False)
        for secret in ["9121234567", "Ali", "Rezaei", "example.org", "فروشنده فاکتور نداد", code]:
            assert secret not in text, (fmt, secret)

    token = answer[0]["token"]
    by_token = requests.get(f"{server.url}/open311/v2/tokens/{token}.json", timeout=30).json()
    assert by_token[0]["service_request_id"] == request_id


def test_raw_xml_and_json_follow_the_spec(server, key):
    assert file_request(server, key, description="شکایت دوم", **{"attribute[wants_compensation]": "true"}).status_code == 200
    xml = requests.get(f"{server.url}/open311/v2/requests.xml", timeout=30)
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "service_requests"
    requests_ = root.findall("request")
    assert requests_
    for r in requests_:
        for field in REQUEST_FIELDS:
            assert r.find(field) is not None, field
        assert r.findtext("status") in ("open", "closed")
        assert r.findtext("requested_datetime").endswith("+03:30")
    services = ET.fromstring(requests.get(f"{server.url}/open311/v2/services.xml", timeout=30).content)
    assert services.tag == "services"
    for s in services.findall("service"):
        for field in SERVICE_FIELDS:
            assert s.find(field) is not None, field
        assert s.findtext("metadata") in ("true", "false")
        assert s.findtext("type") in ("realtime", "batch", "blackbox")
    definition = ET.fromstring(requests.get(f"{server.url}/open311/v2/services/fraud.xml", timeout=30).content)
    assert definition.tag == "service_definition"
    for a in definition.find("attributes").findall("attribute"):
        for field in ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]:
            assert a.find(field) is not None, field
        assert a.findtext("datatype") in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_are_in_open311s_format(server, key, fmt):
    cases = [
        (requests.get(f"{server.url}/open311/v2/services/potholes.{fmt}", timeout=30), 404),
        (requests.get(f"{server.url}/open311/v2/requests.{fmt}?start_date=yesterday", timeout=30), 400),
        (file_request(server, "samat311_nope", fmt), 403),
        (file_request(server, key, fmt, service_code="potholes"), 400),
        (file_request(server, key, fmt, jurisdiction_id="narnia"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        if fmt == "json":
            errors = response.json()
            assert errors[0]["code"] == status and errors[0]["description"]
        else:
            root = ET.fromstring(response.content)
            assert root.tag == "errors"
            assert root.find("error").findtext("code") == str(status)
            assert root.find("error").findtext("description")
    # The library raises on them, as an app would expect.
    with pytest.raises(requests.HTTPError):
        GeoReport(f"{server.url}/open311/v2", output_format=fmt).get_service_definition("potholes")


def test_a_revoked_key_files_nothing(server):
    new_key = apikeys(server, "add", "--name", "short-lived").strip().splitlines()[-1]
    listed = apikeys(server, "list")
    line = next(l for l in listed.splitlines() if "short-lived" in l)
    key_id = line.split()[0]
    assert "active" in line
    assert file_request(server, new_key, description=f"پیش از ابطال {uuid.uuid4()}").status_code == 200
    apikeys(server, "revoke", key_id)
    assert "revoked" in next(l for l in apikeys(server, "list").splitlines() if "short-lived" in l)
    assert file_request(server, new_key, description="پس از ابطال").status_code == 403
