"""The citizens' portal in a real Chromium at a phone's width, against the real server: filing
with a photo and a scanned guild sticker, the same without JavaScript, a closed tab that loses
nothing, a retried submission filed once, public tracking, answering the business and reading
the verdict, a push delivered to the service worker, bad input, and the layout at 360 px.
Screenshots of the main pages go to target/web-screenshots."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from conftest import DESK, PHONE
from samat import canonical_phone, digits, fetch_bytes, no_sideways_scroll, png, screenshot

TEHRAN_SHOP = "10010010011"  # سوپرمارکت نمونه (demo data)


def portal_login(page, server, phone, next_path="/my"):
    page.goto(f"{server.url}/login?next={next_path}")
    before = len(server.sms())
    page.fill("#phone", phone)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/login/code**")
    page.fill("#code", server.wait_otp(phone, before))
    page.click("form[action='/login/code'] button[type=submit]")
    page.wait_for_url(f"**{next_path}*")


def sticker_png(server, tmp_path):
    staff = server.staff_api("operator")
    path = tmp_path / "sticker.png"
    path.write_bytes(fetch_bytes(f"{server.url}/v1/businesses/{TEHRAN_SHOP}/qr.png?scale=6", staff.token))
    return path


def a_photo(tmp_path, name="receipt.png", size=(900, 600)):
    path = tmp_path / name
    path.write_bytes(png(*size))
    return path


def fill_basics(page, description="فروشنده فاکتور نداد و قیمت را بیشتر حساب کرد"):
    page.check("input[name=category][value=no_invoice]")
    page.fill("#description", description)


def my_complaints(server, phone):
    status, body = server.citizen_api(phone).get("/v1/complaints")
    assert status == 200, body
    return body


def test_a_citizen_files_with_a_photo_and_a_scanned_sticker(server, new_page, tmp_path):
    phone = "09125550101"
    page = new_page(PHONE)
    page.goto(server.url + "/")
    screenshot(page, "portal-home")
    page.click("main a[href='/file']")
    page.wait_for_url("**/login?next=**")
    screenshot(page, "portal-login")
    portal_login(page, server, phone, "/file")
    fill_basics(page)
    # The camera's photo of the shop's sticker is read by the server's scanner at once.
    page.set_input_files("#sticker", str(sticker_png(server, tmp_path)))
    page.wait_for_selector("#scan-result.ok")
    assert "سوپرمارکت نمونه" in page.inner_text("#scan-result")
    assert page.input_value("#guild_id") == TEHRAN_SHOP
    page.set_input_files("#photos-input", str(a_photo(tmp_path)))
    page.wait_for_selector("#photo-previews img")
    screenshot(page, "portal-file")
    page.click("#submit")
    page.wait_for_url("**/filed/**")
    code = digits(page.inner_text("#tracking-code"))
    screenshot(page, "portal-filed")
    sms = server.wait_sms(phone, lambda s: "ثبت شد" in s["text"])
    assert code in sms["text"]
    page.click("main a[href='/my']")
    assert code in page.inner_text("main")
    screenshot(page, "portal-mine")
    page.goto(f"{server.url}/my/complaints/{code}")
    assert "سوپرمارکت نمونه" in page.inner_text("main")
    img = page.locator(".photos img").first
    img.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", img.element_handle()), "the photo is shown"
    [c] = [c for c in my_complaints(server, phone) if c["tracking_code"] == code]
    status, detail = server.citizen_api(phone).get(f"/v1/complaints/{code}")
    assert detail["channel"] == "web" and len(detail["photos"]) == 1 and detail["photos"][0]["content_type"] == "image/jpeg"


def test_the_form_files_without_javascript(server, new_page, tmp_path):
    phone = "09125550102"
    page = new_page(PHONE, java_script_enabled=False)
    portal_login(page, server, phone, "/file")
    fill_basics(page, "بدون جاوااسکریپت: فروشنده فاکتور نداد")
    page.set_input_files("#sticker", str(sticker_png(server, tmp_path)))
    page.click("#scan-button")
    page.wait_for_selector("#scan-result.ok")
    assert page.input_value("#guild_id") == TEHRAN_SHOP, "the server read the barcode"
    assert page.input_value("#description") == "بدون جاوااسکریپت: فروشنده فاکتور نداد", "what was typed is kept"
    # Jalali date from the selects, amount the Persian way, a photo.
    page.select_option("select[name=jd]", "3")
    page.select_option("select[name=jm]", "9")
    page.select_option("select[name=jy]", page.locator("select[name=jy] option").nth(1).get_attribute("value"))
    page.fill("#amount", "۱٬۲۰۰٬۰۰۰")
    page.set_input_files("#photos-input", str(a_photo(tmp_path)))
    page.click("#submit")
    page.wait_for_url("**/filed/**")
    code = digits(page.inner_text("#tracking-code"))
    status, detail = server.citizen_api(phone).get(f"/v1/complaints/{code}")
    assert status == 200
    assert detail["guild_id"] == TEHRAN_SHOP and detail["amount_rials"] == 1_200_000 and len(detail["photos"]) == 1
    assert re.match(r"\d{4}-\d{2}-\d{2}$", detail["incident_date"])


def test_a_closed_tab_keeps_what_was_typed_and_a_retried_submit_files_once(server, new_page, tmp_path):
    phone = "09125550103"
    page = new_page(PHONE)
    portal_login(page, server, phone, "/file")
    fill_basics(page, "این متن نباید گم شود")
    page.fill("#guild_id", TEHRAN_SHOP)
    page.set_input_files("#photos-input", str(a_photo(tmp_path)))
    page.wait_for_selector("#photo-previews img")
    client_id = page.input_value("#client_id")
    context = page.context
    page.close()

    page = context.new_page()
    page.goto(server.url + "/file")
    page.wait_for_selector("#draft-restored:not([hidden])")
    assert page.input_value("#description") == "این متن نباید گم شود"
    assert page.is_checked("input[name=category][value=no_invoice]")
    assert page.input_value("#client_id") == client_id, "the same filing, the same idempotency key"
    assert page.locator("#photo-previews img").count() == 1, "the photo is back too"
    screenshot(page, "portal-file-restored")

    # The first submission reaches the server, but its answer is lost on the way back.
    dropped = {"n": 0, "lost": False}

    def lose_answer(route):
        if route.request.method == "POST" and dropped["n"] == 0:
            dropped["n"] += 1
            route.fetch()
            route.abort("connectionreset")
            dropped["lost"] = True
        else:
            route.continue_()

    page.route("**/file", lose_answer)
    try:
        page.click("#submit")
    except Exception:
        pass
    # Wait until the server has answered and the answer was dropped (Playwright runs the
    # handler while the page waits).
    deadline = time.time() + 20
    while not dropped["lost"]:
        assert time.time() < deadline, "the submission never reached the server"
        page.wait_for_timeout(20)
    page.unroute("**/file")
    if "/filed/" not in page.url:
        page.goto(server.url + "/file")
        assert page.input_value("#client_id") == client_id
        page.click("#submit")
    page.wait_for_url("**/filed/**")
    mine = my_complaints(server, phone)
    assert len(mine) == 1, mine
    assert len(server.sms_to(phone, "ثبت شد")) == 1, "one SMS"
    status, detail = server.citizen_api(phone).get(f"/v1/complaints/{mine[0]['tracking_code']}")
    assert len(detail["photos"]) == 1, "the photo once"
    # Filed: the draft is gone.
    page.goto(server.url + "/file")
    assert page.input_value("#description") == ""


def test_tracking_shows_the_timeline_only_with_the_right_phone(server, new_page):
    phone = "09125550104"
    citizen = server.citizen_api(phone)
    status, body = citizen.post("/v1/complaints", {"client_id": str(uuid.uuid4()), "category": "hoarding", "description": "احتکار روغن", "guild_id": TEHRAN_SHOP})
    assert status == 201
    code = body["tracking_code"]
    page = new_page(PHONE)
    page.goto(server.url + "/track")
    page.fill("#code", code)
    page.fill("#phone", "۰۹۱۲۵۵۵۰۱۰۴")
    page.click("main button[type=submit]")
    page.wait_for_selector("#timeline")
    assert "شکایت ثبت شد" in page.inner_text("#timeline")
    screenshot(page, "portal-track")
    answers = []
    for c, p in [(code, "09125550999"), ("1234567890", phone)]:
        page.goto(server.url + "/track")
        page.fill("#code", c)
        page.fill("#phone", p)
        page.click("main button[type=submit]")
        page.wait_for_selector(".error-summary")
        answers.append(page.inner_text(".error-summary"))
    assert answers[0] == answers[1], "a wrong phone and an unknown code get the same answer"


def test_the_citizen_rejects_the_business_answer_and_later_reads_the_verdict(server, new_page):
    phone = "09125550105"
    citizen = server.citizen_api(phone)
    status, body = citizen.post("/v1/complaints", {
        "client_id": str(uuid.uuid4()), "category": "fraud", "description": "روغن تقلبی", "guild_id": TEHRAN_SHOP, "wants_compensation": True})
    code = body["tracking_code"]
    expert = server.staff_api("expert")
    for to, extra in [("expert_review", {}), ("self_regulation", {"note": "ارجاع به اتحادیه"})]:
        assert expert.post(f"/v1/staff/complaints/{code}/transition", {"to": to, **extra})[0] == 200
    assert server.staff_api("guild").post(f"/v1/staff/complaints/{code}/notes", {"note": "فروشنده نیمی از مبلغ را پس می‌دهد", "visible_to_citizen": True})[0] == 201
    page = new_page(PHONE)
    portal_login(page, server, phone, f"/my/complaints/{code}")
    assert "فروشنده نیمی از مبلغ را پس می‌دهد" in page.inner_text("#business-answer")
    screenshot(page, "portal-decision")
    page.fill("#note", "نیمی کافی نیست")
    page.click("button[name=accept][value=no]")
    page.wait_for_selector(".flash")
    assert "بازرس" in page.inner_text(".flash")
    inspector = server.staff_api("inspector")
    assert inspector.post(f"/v1/staff/complaints/{code}/transition", {"to": "inspection_reported", "note": "تقلب تأیید شد"})[0] == 200
    assert inspector.post(f"/v1/staff/complaints/{code}/transition", {"to": "taazirat", "note": "پرونده"})[0] == 200
    verdict = {"violation": True, "penalty_rials": 30_000_000, "compensation_rials": 1_500_000}
    assert server.staff_api("taazirat").post(f"/v1/staff/complaints/{code}/transition", {"to": "verdict", "details": verdict})[0] == 200
    page.reload()
    text = page.inner_text("#verdict")
    assert "تخلف محرز شد" in text and "۳۰٬۰۰۰٬۰۰۰ ریال" in text and "۱٬۵۰۰٬۰۰۰ ریال" in text, text
    screenshot(page, "portal-verdict")
    # The complaint about the handling, escalated to the ministry.
    page.locator("details:has(#comment) summary").click()
    page.check("input[name=rating][value='2']")
    page.fill("#comment", "خیلی طول کشید")
    page.check("input[name=escalate]")
    page.click("details:has(#comment) button[type=submit]")
    page.wait_for_selector(".flash")
    status, detail = citizen.get(f"/v1/complaints/{code}")
    assert detail["feedback"][0]["rating"] == 2 and detail["feedback"][0]["escalated"] is True


def test_the_service_worker_shows_a_push_and_the_page_hears_it(server, new_page):
    phone = "09125550106"
    citizen = server.citizen_api(phone)
    status, body = citizen.post("/v1/complaints", {"client_id": str(uuid.uuid4()), "category": "hoarding", "description": "احتکار", "guild_id": TEHRAN_SHOP})
    code = body["tracking_code"]
    page = new_page(PHONE)
    page.context.grant_permissions(["notifications"], origin=server.url)
    portal_login(page, server, phone, f"/my/complaints/{code}")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    # A subscription is registered through the devices API with the page's session and CSRF
    # token (the browser's own push service is out of reach here, so the keys are a test's).
    registered = page.evaluate("""async () => {
        const key = await crypto.subtle.generateKey({name: 'ECDH', namedCurve: 'P-256'}, true, ['deriveBits']);
        const raw = await crypto.subtle.exportKey('raw', key.publicKey);
        const auth = crypto.getRandomValues(new Uint8Array(16));
        const b64 = b => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
        const r = await fetch('/v1/devices', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.body.dataset.csrf},
            body: JSON.stringify({kind: 'unifiedpush', endpoint: 'http://127.0.0.1:9/push/portal-test', keys: {p256dh: b64(raw), auth: b64(auth)}})});
        return r.status;
    }""")
    assert registered == 201, registered
    forged = page.evaluate("fetch('/v1/devices', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}).then(r => r.status)")
    assert forged == 403, "without the CSRF token the cookie is not enough"
    status, devices = citizen.get("/v1/devices")
    assert len(devices["devices"]) == 1

    # A push delivered to the registered service worker: a notification, and the page is told.
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.time() + 15
    while not any(r["scopeURL"].startswith(server.url) for r in registrations):
        assert time.time() < deadline, f"the service worker's registration was never reported: {registrations}"
        page.wait_for_timeout(20)
    reg = next(r for r in registrations if r["scopeURL"].startswith(server.url))
    payload = json.dumps({"tracking_code": code, "stage": "expert_review", "cursor": 2})
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId": reg["registrationId"], "data": payload})
    page.wait_for_selector("#changed:not([hidden])", timeout=15000)
    shown = page.evaluate("navigator.serviceWorker.ready.then(r => r.getNotifications()).then(n => n.map(x => x.body))")
    assert any(code in body for body in shown), shown
    screenshot(page, "portal-push")


def test_bad_input_gets_clear_words(server, new_page, tmp_path):
    phone = "09125550107"
    page = new_page(PHONE)
    # A wrong code, then a code already used.
    page.goto(server.url + "/login")
    before = len(server.sms())
    page.fill("#phone", phone)
    page.click("form[action='/login'] button[type=submit]")
    code = server.wait_otp(phone, before)
    wrong = "000000" if code != "000000" else "111111"
    page.fill("#code", wrong)
    page.click("form[action='/login/code'] button[type=submit]")
    assert "۴ بار دیگر" in page.inner_text(".error-summary")
    page.fill("#code", code)
    page.click("form[action='/login/code'] button[type=submit]")
    page.wait_for_url("**/my")
    other = new_page(PHONE)
    other.context.add_cookies([{"name": "samat_login_phone", "value": phone, "url": server.url}])
    other.goto(server.url + "/login/code")
    other.fill("#code", code)
    other.click("form[action='/login/code'] button[type=submit]")
    assert "منقضی شده یا پیش‌تر به کار رفته" in other.inner_text(".error-summary")

    # An invalid phone, a form missing its category, a file that is not an image.
    page.goto(server.url + "/file")
    page.fill("#description", "x")
    bogus = tmp_path / "not-a-photo.jpg"
    bogus.write_bytes(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>")
    page.set_input_files("#photos-input", str(bogus))
    page.click("#submit")
    summary = page.inner_text(".error-summary")
    assert "نوع تخلف" in summary, summary
    assert page.input_value("#description") == "x", "what was typed is kept"
    page.check("input[name=category][value=fraud]")
    page.set_input_files("#photos-input", str(bogus))
    page.click("#submit")
    assert "تصویر" in page.inner_text(".error-summary"), "a file that is not an image is refused with words"
    assert not my_complaints(server, phone), "nothing was filed"
    screenshot(page, "portal-refused")


PORTAL_PAGES = ["/", "/track", "/login", "/file", "/my"]


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_no_portal_page_scrolls_sideways(server, new_page, viewport):
    phone = "09125550108"
    citizen = server.citizen_api(phone)
    status, body = citizen.post("/v1/complaints", {"client_id": str(uuid.uuid4()), "category": "hoarding", "description": "احتکار " * 50, "guild_id": TEHRAN_SHOP})
    code = body["tracking_code"]
    page = new_page(viewport)
    page.goto(server.url + f"/g/{TEHRAN_SHOP}")
    assert no_sideways_scroll(page)
    screenshot(page, "portal-sticker-page")
    portal_login(page, server, phone)
    for path in PORTAL_PAGES + [f"/my/complaints/{code}", f"/filed/{code}"]:
        page.goto(server.url + path)
        assert no_sideways_scroll(page), path
        name = path.strip("/").replace("/", "-").replace(code, "complaint") or "home"
        screenshot(page, f"portal-{name}")
