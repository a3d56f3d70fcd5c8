"""The public statistics page in Chromium: charts and tables at phone and desk widths, right
to left, no sideways scroll, withheld cells said in words, the filters working without script,
and the CSV download. Screenshots go to target/web-screenshots."""

from __future__ import annotations

import time
import urllib.request
import uuid

import pytest

from conftest import DESK, PHONE
from samat import Server, no_sideways_scroll, screenshot


@pytest.fixture(scope="module")
def stats_server():
    # Rolled up every second, so the complaints filed below show at once.
    s = Server("--stats-every", "1s")
    citizen = s.citizen_api("09125550140")
    for n in range(15):
        category, province = ("fraud", "tehran") if n < 12 else ("no_invoice", "tehran")
        status, body = citizen.post(
            "/v1/complaints",
            {"client_id": str(uuid.uuid4()), "category": category, "description": "متن آزاد شکایت برای آزمون آمار", "province": province},
        )
        assert status == 201, body
    deadline = time.time() + 20
    while time.time() < deadline:
        status, body = s.api().get("/v1/stats")
        if status == 200 and any(c["count"] == 15 for c in body["filed"] if c["category"] is None and c["province"] is None and c["month"] is None):
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the statistics never counted the 15 complaints")
    yield s
    s.stop()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_statistics_page_reads_at_phone_and_desk_widths(stats_server, new_page, viewport):
    page = new_page(viewport)
    page.goto(stats_server.url + "/stats")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "آمار شکایت‌های ۱۲۴"
    charts = page.locator('svg.chart[role="img"]')
    assert charts.count() >= 6
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, box
        assert charts.nth(i).locator("title").count() == 1
    assert page.locator("table.figure-table").count() == charts.count()
    assert "منتشر نمی‌شود" in page.locator("#categories").inner_text(), "the three are withheld, in words"
    assert "متن آزاد" not in page.content()
    assert no_sideways_scroll(page)
    screenshot(page, "stats")
    if viewport == DESK:
        # The chart sits beside its table on a desk.
        chart, table = page.locator("#months svg.chart").bounding_box(), page.locator("#months table").bounding_box()
        assert abs(chart["y"] - table["y"]) < 40 and chart["x"] != table["x"]


def test_the_filters_work_without_javascript(stats_server, new_page):
    page = new_page(PHONE, java_script_enabled=False)
    page.goto(stats_server.url + "/stats")
    page.select_option("#province", "tehran")
    page.click("form.stats-filter button[type=submit]")
    page.wait_for_url("**/stats?province=tehran*")
    assert page.locator("h2").first.inner_text() == "تهران"
    assert no_sideways_scroll(page)
    screenshot(page, "stats-tehran")


def test_the_csv_downloads_with_a_byte_order_mark(stats_server):
    with urllib.request.urlopen(stats_server.url + "/v1/stats.csv") as r:
        assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
        body = r.read()
    assert body.startswith("\ufeff".encode())
    assert body.decode("utf-8-sig").splitlines()[0].startswith("figure,category,category_fa,province")
