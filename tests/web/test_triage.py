"""The operators' triage list in a real Chromium: texts to the 124 line that could not be filed on
their own arrive through the gateway's webhook, wait in the console with their original text, and
are filed from there with one form (the citizen gets the tracking code by SMS) or set aside with a
reason; a second submit files nothing; roles that do not handle the list are refused; the pages
fit a phone and a desk. Screenshots go to target/web-screenshots."""

from __future__ import annotations

import itertools
import re

import pytest

from conftest import DESK, PHONE
from samat import Server, canonical_phone, digits, no_sideways_scroll, screenshot
from test_console import TEHRAN_SHOP, console_login

SECRET = "triage-web-secret"
LINE = "10004346"
# Words no category's keywords are in: the classifier cannot place them.
UNPLACED = "برخورد فروشنده با مشتری بسیار زشت بود و جواب سلام هم نداد"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def server():
    s = Server("--inbound-sms-secret", SECRET)
    yield s
    s.stop()


def push_sms(server, sender: str, text: str) -> dict:
    """A text to the 124 line as the gateway pushes it (Kavenegar's forwarding fields)."""
    status, body = server.api().post(f"/v1/inbound/sms?secret={SECRET}", {"messageid": next(_ids), "from": sender, "to": LINE, "message": text})
    assert status == 200, body
    return body


def waiting(server, text: str) -> dict:
    """The triage list's item with `text` (through the staff API)."""
    status, items = server.staff_api("operator").get("/v1/staff/inbound?limit=500")
    assert status == 200, items
    found = [i for i in items if i["text"] == text]
    assert len(found) == 1, items
    return found[0]


def item(page, text: str):
    return page.locator("article.inbound-item", has=page.locator("blockquote.original", has_text=text[:30]))


def test_an_sms_the_classifier_cannot_place_is_filed_from_the_list_with_one_form(server, new_page):
    phone = "09121230001"
    # Markup and a long unbroken word in the text: shown as typed, escaped and wrapped.
    text = f"{UNPLACED} <b>واقعاً</b> <script>window.hacked=1</script>\nخط دوم: {'ب' * 150}"
    answer = push_sms(server, phone, text)
    assert answer["status"] == "triage", answer
    server.wait_sms(phone, lambda s: "کارشناس" in s["text"])

    op = new_page(DESK)
    console_login(op, server, "operator")
    count = op.locator("nav a[href='/staff/inbound'] .nav-count")
    assert int(digits(count.inner_text())) >= 1
    op.click("nav a[href='/staff/inbound']")
    op.wait_for_url("**/staff/inbound")
    entry = item(op, UNPLACED)
    assert entry.count() == 1
    original = entry.locator("blockquote.original")
    assert original.inner_text() == text, "the original text, exactly"
    assert original.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert op.evaluate("window.hacked") is None, "markup in a text is never run"
    assert entry.locator(".inbound-sender").inner_text() == phone
    assert entry.locator(".inbound-reason").inner_text() == "نوع تخلف از متن معلوم نشد"
    assert entry.locator(".inbound-channel").inner_text() == "پیامک"
    assert "۱۴۰" in entry.locator(".inbound-received").inner_text(), "a Jalali date"
    assert no_sideways_scroll(op)
    screenshot(op, "console-inbound")

    entry.locator("text=ثبت شکایت یا کنار گذاشتن").click()
    op.wait_for_url("**/staff/inbound/*")
    # Prefilled from the message: the text as the description, the sender's phone named.
    assert op.input_value("#description") == text
    assert op.inner_text("#file-phone") == phone
    assert op.input_value("#category") == "", "no category the classifier trusts"
    form_url = op.url
    # A second tab on the same form: the operator's back button or another window.
    stale = op.context.new_page()
    stale.goto(form_url)

    # No category: refused, in Persian, beside the field; what was typed is kept.
    op.fill("#business_name", "فروشگاه سر کوچه")
    op.click("text=ثبت شکایت و ارسال کد رهگیری")
    assert op.locator(".field.has-error:has(#category) .error").inner_text()
    assert op.locator("#error-summary a[href='#category']").count() == 1
    assert op.input_value("#business_name") == "فروشگاه سر کوچه"
    screenshot(op, "console-inbound-refused")

    op.select_option("#category", "other")
    op.fill("#guild_id", TEHRAN_SHOP)
    op.click("text=ثبت شکایت و ارسال کد رهگیری")
    code = digits(op.inner_text("#tracking-code"))
    assert len(code) == 10
    assert "ثبت شد" in op.inner_text(".flash")
    screenshot(op, "console-inbound-filed")
    sms = server.wait_sms(phone, lambda s: code in s["text"])
    assert "کد رهگیری" in sms["text"]
    status, complaint = server.staff_api("supervisor").get(f"/v1/staff/complaints/{code}")
    assert status == 200, complaint
    assert (complaint["channel"], complaint["category"], complaint["description"]) == ("sms", "other", text)

    # The stale tab submits the same message again: nothing is filed twice, and it says so.
    stale.select_option("#category", "fraud")
    stale.click("text=ثبت شکایت و ارسال کد رهگیری")
    warning = stale.inner_text(".flash.warn")
    assert "پیش‌تر ثبت شده" in warning and code in warning
    assert digits(stale.inner_text("#tracking-code")) == code
    assert stale.locator("#file-form").count() == 0
    assert len(server.sms_to(phone, code)) == 1, "one tracking-code SMS"
    texted = [s["text"] for s in server.sms() if s["to"] == canonical_phone(phone)]
    assert {c for t in texted for c in re.findall(r"\b\d{10}\b", t)} == {code}, texted

    # The filed tab shows who filed it and links the complaint.
    op.goto(server.url + "/staff/inbound?status=filed")
    filed = item(op, UNPLACED)
    assert "operator" in filed.locator(".inbound-handler").inner_text()
    filed.locator(f"a.inbound-code:has-text('{code}')").click()
    op.wait_for_url(f"**/staff/complaints/{code}")


def test_a_message_is_set_aside_only_with_a_reason(server, new_page):
    text = "سلام وقت بخیر، این پیام برای تبلیغ فروشگاه ما ارسال شده است"
    push_sms(server, "09121230002", text)
    page = new_page(PHONE)
    console_login(page, server, "supervisor")
    page.goto(f"{server.url}/staff/inbound/{waiting(server, text)['id']}")
    page.click("#dismiss summary")
    page.fill("#reason", "   ")
    page.click("text=کنار گذاشتن پیام")
    assert page.locator(".field.has-error:has(#reason) .error").inner_text()
    assert page.locator("#dismiss").get_attribute("open") is not None, "the refused form stays open"
    page.fill("#reason", "تبلیغ است، شکایت نیست")
    page.click("text=کنار گذاشتن پیام")
    assert "کنار گذاشته شد" in page.inner_text(".flash")
    assert page.locator("#file-form").count() == 0
    page.goto(server.url + "/staff/inbound?status=dismissed")
    entry = item(page, text)
    assert entry.locator(".inbound-note").inner_text() == "تبلیغ است، شکایت نیست"
    assert "supervisor" in entry.locator(".inbound-handler").inner_text()
    assert no_sideways_scroll(page)
    page.goto(server.url + "/staff/inbound")
    assert item(page, text).count() == 0, "no longer waiting"


def test_a_text_from_no_mobile_is_filed_for_the_number_the_operator_called_back(server, new_page):
    text = "فروشگاه لوازم خانگی امید کالای معیوب را پس نمی‌گیرد"
    answer = push_sms(server, "BANK-MELLI", text)
    assert answer["status"] == "triage", answer
    page = new_page(DESK)
    console_login(page, server, "operator")
    page.goto(f"{server.url}/staff/inbound/{waiting(server, text)['id']}")
    assert "شماره همراه فرستنده در دست نیست" in page.inner_text(".inbound-reason")
    page.select_option("#category", "other")
    page.fill("#phone", "0912")
    page.click("text=ثبت شکایت و ارسال کد رهگیری")
    assert page.locator(".field.has-error:has(#phone) .error").inner_text()
    page.fill("#phone", "۰۹۱۲ ۱۲۳ ۰۰۰۳")
    page.click("text=ثبت شکایت و ارسال کد رهگیری")
    code = digits(page.inner_text("#tracking-code"))
    assert server.wait_sms("09121230003", lambda s: code in s["text"])
    assert canonical_phone("09121230003") in [s["to"] for s in server.sms() if code in s["text"]]


def test_roles_that_do_not_handle_the_list_are_refused(server, new_page):
    text = f"{UNPLACED} دوباره"
    push_sms(server, "09121230004", text)
    message_id = waiting(server, text)["id"]
    expert = new_page(DESK)
    console_login(expert, server, "expert")
    assert expert.locator("nav a[href='/staff/inbound']").count() == 0
    r = expert.goto(server.url + "/staff/inbound")
    assert r.status == 403
    r = expert.goto(f"{server.url}/staff/inbound/{message_id}")
    assert r.status == 403
    csrf = expert.locator("input[name=csrf]").first.get_attribute("value")
    r = expert.request.post(f"{server.url}/staff/inbound/{message_id}/file", form={"csrf": csrf, "category": "other"})
    assert r.status == 403
    r = expert.request.post(f"{server.url}/staff/inbound/{message_id}/dismiss", form={"csrf": csrf, "reason": "نه"})
    assert r.status == 403
    # Nobody logged in: sent to the login page; a forged form without the token: refused.
    anonymous = new_page(DESK)
    anonymous.goto(server.url + "/staff/inbound")
    assert "/staff/login" in anonymous.url
    operator = new_page(DESK)
    console_login(operator, server, "operator")
    r = operator.request.post(f"{server.url}/staff/inbound/{message_id}/dismiss", form={"reason": "جعلی"})
    assert r.status == 403
    assert waiting(server, text)["status"] == "triage", "still waiting"


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_triage_pages_fit_a_phone_and_a_desk(server, new_page, viewport):
    text = f"{UNPLACED} ({viewport['width']}) — {'طولانی ' * 60}\n{'x' * 200}"
    push_sms(server, f"0912123{viewport['width']:04d}", text)
    message_id = waiting(server, text)["id"]
    page = new_page(viewport)
    console_login(page, server, "supervisor")
    width = viewport["width"]
    for path, name in [
        ("/staff/inbound", "console-inbound-list"),
        (f"/staff/inbound/{message_id}", "console-inbound-message"),
        ("/staff/inbound?status=filed", "console-inbound-filed-tab"),
        ("/staff/inbound?status=dismissed", "console-inbound-dismissed-tab"),
        ("/staff/dashboard", "console-dashboard-inbound"),
    ]:
        page.goto(server.url + path)
        assert no_sideways_scroll(page), (path, width)
        screenshot(page, name)
    # The dashboard counts what waits, as the navigation does.
    nav = digits(page.inner_text("nav a[href='/staff/inbound'] .nav-count"))
    assert digits(page.inner_text("#inbound-waiting strong")) == nav
    status, items = server.staff_api("supervisor").get("/v1/staff/inbound?limit=500")
    assert int(nav) == len(items)
