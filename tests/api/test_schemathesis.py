"""The HTTP API checked by an independent tool: Schemathesis generates requests from
`/openapi.json` (valid and deliberately invalid ones, then sequences of calls) and checks every
answer against the document and against HTTP itself: no 5xx, every status and content type
documented, bodies matching their schemas, invalid input refused, valid input accepted.

It runs as each kind of caller the API has: nobody, a citizen, and staff (an expert and a
supervisor), each with real identifiers (their own tracking codes, the demo registry's guild
ids) mixed into the generated ones so the calls reach the code behind the first 404.

The runs are deterministic (a fixed seed, a bounded number of examples per operation); a
failure prints Schemathesis's report with a `curl` line that reproduces it.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "web"))
from samat import Server, png  # noqa: E402

SEED = os.environ.get("SAMAT_ST_SEED", "124")
MAX_EXAMPLES = os.environ.get("SAMAT_ST_MAX_EXAMPLES", "25")
DEMO_GUILD_IDS = ["10010010011", "10010010012", "20020020021", "30030030031", "40040040041"]

# Schema-valid requests may still be refused for reasons a JSON schema cannot say; each entry
# names the operations and why, and adds only that status to what "accepted" means for them.
ACCEPTED_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "503"]
SEMANTIC_REFUSALS = [
    # A tracking code carries a Verhoeff check digit: a mistyped one is 400 invalid_tracking_code.
    (r"\{tracking_code\}", ["400"]),
    # Iranian mobile numbers in their many spellings (`09…`, `+98…`, Persian digits, spaces).
    (r"^/v1/auth/(otp|verify)$", ["400"]),
    # A guild id is at most 20 digits once separators are gone.
    (r"\{guild_id\}", ["400"]),
    # A search needs two letters of a name or a city: one of two optional parameters.
    (r"^/v1/businesses$", ["400"]),
    # Bytes that are not a JPEG, PNG or WebP image, or that decode to nothing usable.
    (r"^/v1/scan$|/photos/", ["400", "422"]),
    # Field rules beyond the schema (a purchase date not in the future, a known category, a
    # note not blank after trimming …) answer 422 with each field's code.
    (r"^/v1/complaints$|^/v1/staff/intake$|/feedback$|/notes$|/transition$|/assign$|^/v1/devices$|^/v1/staff/inbound/\{id\}/(file|dismiss)$", ["400", "422"]),
    # The audit filter takes a tracking code in any spelling.
    (r"^/v1/staff/audit$", ["400"]),
    # A push endpoint must be a public https URL of a known push service.
    (r"^/v1/devices$", ["400", "422"]),
    # Provinces by name or ISO code; unknown ones are 400 unknown_province.
    (r"/province$|^/v1/staff/queue$", ["400"]),
]


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def paths(server: Server) -> list[str]:
    status, doc = server.api().get("/openapi.json")
    assert status == 200, doc
    return list(doc["paths"])


def config(server: Server, token: str | None, codes: list[str], exclude: list[str]) -> str:
    lines = [
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        "",
        "[checks.positive_data_acceptance]",
        f"expected-statuses = [{', '.join(toml_str(s) for s in ACCEPTED_DEFAULT)}]",
        "",
        "[dictionaries.guild_ids]",
        f"values = [{', '.join(toml_str(g) for g in DEMO_GUILD_IDS)}]",
        "",
    ]
    if codes:
        lines += ["[dictionaries.codes]", f"values = [{', '.join(toml_str(c) for c in codes)}]", ""]
    lines += [
        "[parameters]",
        '"path.guild_id" = { dictionary = "guild_ids", probability = 0.5 }',
    ]
    if codes:
        lines += ['"path.tracking_code" = { dictionary = "codes", probability = 0.6 }']
    lines.append("")
    if token:
        lines += ["[headers]", f"Authorization = {toml_str('Bearer ' + token)}", ""]
    # One entry per path (Schemathesis merges every entry that matches, the first one winning,
    # and its include filters are alternatives: a path and a method would match every POST).
    for path in paths(server):
        if path in exclude:
            lines += ["[[operations]]", f"include-path = {toml_str(path)}", "enabled = false", ""]
            continue
        extra = sorted({status for regex, statuses in SEMANTIC_REFUSALS if re.search(regex, path) for status in statuses})
        if extra:
            lines += [
                "[[operations]]",
                f"include-path = {toml_str(path)}",
                f"checks.positive_data_acceptance.expected-statuses = [{', '.join(toml_str(s) for s in ACCEPTED_DEFAULT + extra)}]",
                "",
            ]
    return "\n".join(lines)


def st_binary() -> str:
    here = pathlib.Path(sys.executable).parent / "st"
    return str(here) if here.exists() else (shutil.which("st") or "st")


def run_schemathesis(server: Server, who: str, token: str | None, codes: list[str], exclude: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix=f"samat-st-{who}-") as tmp:
        cfg = pathlib.Path(tmp) / "schemathesis.toml"
        cfg.write_text(config(server, token, codes, exclude))
        cmd = [
            st_binary(), "--config-file", str(cfg), "run", f"{server.url}/openapi.json",
            "--checks", "all", "--seed", SEED, "--workers", "1", "--no-color",
            "--request-timeout", "30",
        ]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=1200)
        output = proc.stdout + proc.stderr
        summary = [line for line in output.splitlines() if " generated" in line or "passed" in line.lower() and "=" in line]
        print(f"schemathesis as {who}: {' | '.join(summary[-2:])}")
        if os.environ.get("SAMAT_ST_VERBOSE"):
            print(output)
        assert proc.returncode == 0, f"schemathesis as {who} failed (config below)\n{output}\n--- config ---\n{cfg.read_text()}"


@pytest.fixture(scope="module")
def server():
    # A long-poll holds its answer up to `wait` seconds by design; the document says this
    # server's bound, and a short one keeps the run quick (long-polls have their own tests).
    s = Server("--public-metrics", "--scans-per-ip-per-minute", "100000", "--max-wait", "2")
    yield s
    s.stop()


def file_complaints(citizen, n: int) -> list[str]:
    codes = []
    for i in range(n):
        status, body = citizen.post("/v1/complaints", {
            "client_id": str(uuid.uuid4()), "category": ["fraud", "no_price_tag", "forced_selling"][i % 3],
            "description": "فروشنده قیمت را بیشتر از برچسب حساب کرد", "guild_id": DEMO_GUILD_IDS[i % 2],
            "wants_compensation": i % 2 == 0,
        })
        assert status == 201, body
        codes.append(body["tracking_code"])
    return codes


def test_as_nobody(server):
    citizen = server.citizen_api("09125550301")
    codes = file_complaints(citizen, 2)
    run_schemathesis(server, "nobody", None, codes, exclude=[])


def test_as_citizen(server):
    citizen = server.citizen_api("09125550302")
    codes = file_complaints(citizen, 4)
    # A photo the generated GETs can find.
    status, _ = citizen.call_bytes("PUT", f"/v1/complaints/{codes[0]}/photos/{uuid.uuid4()}", png(32, 32), "image/png")
    assert status in (200, 201)
    run_schemathesis(server, "citizen", citizen.token, codes, exclude=["/v1/auth/logout"])


@pytest.mark.parametrize("role", ["expert", "supervisor"])
def test_as_staff(server, role):
    citizen = server.citizen_api("09125550303")
    codes = file_complaints(citizen, 4)
    staff = server.staff_api(role)
    run_schemathesis(server, role, staff.token, codes, exclude=["/v1/auth/logout"])
