"""The staff console in a real Chromium against the real server: every stage worked in the
browser by the role that handles it, provinces, assignment and races, CSRF, the actions each
role is offered, and phone-width layout. Screenshots of the main pages go to target/web-screenshots."""

from __future__ import annotations

import pathlib
import sqlite3
import time
import uuid

import pytest

from conftest import DESK, PHONE
from samat import digits, no_sideways_scroll, screenshot

TEHRAN_SHOP = "10010010011"  # سوپرمارکت نمونه, Tehran (demo data)
SHIRAZ_SHOP = "40040040041"  # فروشگاه موبایل پارس, Fars (demo data)


def console_login(page, server, username, password="demo"):
    page.goto(server.url + "/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/queue**")


def open_complaint(page, server, code):
    page.goto(f"{server.url}/staff/complaints/{code}")


def move_form(page, to):
    details = page.locator(f"details:has(input[name=to][value='{to}'])")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("form")


def offered_moves(page) -> set[str]:
    return set(page.locator("form[action$='/move'] input[name=to]").evaluate_all("els => els.map(e => e.value)"))


def file_by_app(server, phone, guild_id=TEHRAN_SHOP, compensation=True, category="forced_selling"):
    citizen = server.citizen_api(phone)
    status, body = citizen.post("/v1/complaints", {
        "client_id": str(uuid.uuid4()), "category": category, "description": "فروشنده کالای دیگری را به زور همراه کالا فروخت",
        "guild_id": guild_id, "wants_compensation": compensation,
    })
    assert status == 201, body
    return citizen, body["tracking_code"]


def staff_move(server, role, code, to, **extra):
    status, body = server.staff_api(role).post(f"/v1/staff/complaints/{code}/transition", {"to": to, **extra})
    assert status == 200, (to, body)


def stage_of(server, code):
    status, body = server.staff_api("supervisor").get(f"/v1/staff/complaints/{code}")
    assert status == 200, body
    return body["stage"]


def test_every_stage_is_worked_in_the_console_by_the_role_that_handles_it(server, new_page):
    phone = "09121110001"
    # The call centre: an operator files a phone call, keyboard only, and reads the code out.
    op = new_page(PHONE)
    console_login(op, server, "operator")
    op.goto(server.url + "/staff/intake")
    op.fill("#phone", "۰۹۱۲ ۱۱۱ ۰۰۰۱")
    op.select_option("#category", "forced_selling")
    op.fill("#description", "فروشنده برای فروش روغن، خرید برنج را اجباری کرد")
    op.fill("#guild_id", "۱۰۰۱۰۰۱۰۰۱۱")
    op.wait_for_selector("#business-found:has-text('سوپرمارکت نمونه')")
    op.fill("#incident_date", "۱۴۰۵/۰۹/۰۱")
    op.fill("#amount", "۲٬۵۰۰٬۰۰۰")
    op.check("input[name=compensation]")
    screenshot(op, "console-intake")
    op.click("text=ثبت شکایت و ارسال کد رهگیری")
    code = digits(op.inner_text("#tracking-code"))
    assert len(code) == 10
    screenshot(op, "console-intake-done")
    sms = server.wait_sms(phone, lambda s: "ثبت شد" in s["text"])
    assert code in sms["text"], sms

    # The expert takes it ("I'm handling it"), opens the review and refers the compensation
    # claim to the guild's self-regulation.
    ex = new_page(DESK)
    console_login(ex, server, "expert")
    open_complaint(ex, server, code)
    assert "سوپرمارکت نمونه" in ex.inner_text("main")
    ex.click("text=رسیدگی با من")
    ex.wait_for_selector(".flash")
    assert "علی رضایی" in ex.inner_text("#actions"), "the holder is named"
    move_form(ex, "expert_review").locator("button[type=submit]").click()
    ex.wait_for_selector(".flash")
    move_form(ex, "self_regulation").locator("textarea[name=note]").fill("ارجاع به اتحادیه برای جبران خسارت")
    move_form(ex, "self_regulation").locator("button[type=submit]").click()
    ex.wait_for_selector(".flash")
    screenshot(ex, "console-complaint-expert")
    assert server.sms_to(phone, "ارجاع به حوزه خودتنظیمی")

    # The guild body records the business's answer: the citizen reads it and gets an SMS.
    gu = new_page(PHONE)
    console_login(gu, server, "guild")
    assert code in gu.inner_text("#queue")
    open_complaint(gu, server, code)
    gu.locator("details:has(#note-text) summary").click()
    gu.fill("#note-text", "فروشنده حاضر است مبلغ برنج را پس بدهد")
    gu.click("details:has(#note-text) button[type=submit]")
    gu.wait_for_selector(".flash")
    # The guild body's note is the business's answer: the SMS asks the citizen to decide.
    server.wait_sms(phone, lambda s: "واحد صنفی به شکایت" in s["text"] and "پاسخ داد" in s["text"] and code in s["text"])

    # The citizen is not satisfied (through the API, as the app does): an inspector is sent.
    citizen = server.citizen_api(phone)
    status, body = citizen.post(f"/v1/complaints/{code}/decision", {"accept": False})
    assert status == 200, body
    status, detail = citizen.get(f"/v1/complaints/{code}")
    assert any(e.get("note") == "فروشنده حاضر است مبلغ برنج را پس بدهد" for e in detail["events"]), "the citizen sees the guild's answer"

    # The inspector reports: first without the report (refused, next to the field, nothing
    # typed is lost), then with it; then forms the case file for the Ta'zirat.
    ins = new_page(DESK)
    console_login(ins, server, "inspector")
    open_complaint(ins, server, code)
    form = move_form(ins, "inspection_reported")
    form.locator("textarea[name=internal_note]").fill("بازدید ساعت ۱۰ صبح")
    ins.evaluate("document.querySelectorAll('textarea[required]').forEach(t => t.removeAttribute('required'))")
    form.locator("button[type=submit]").click()
    ins.wait_for_selector(".error-summary")
    assert "گزارش بازرسی" in ins.inner_text(".error-summary")
    assert move_form(ins, "inspection_reported").locator("textarea[name=internal_note]").input_value() == "بازدید ساعت ۱۰ صبح"
    screenshot(ins, "console-refused-form")
    move_form(ins, "inspection_reported").locator("textarea[name=note]").fill("تخلف فروش اجباری در بازرسی تأیید شد")
    move_form(ins, "inspection_reported").locator("button[type=submit]").click()
    ins.wait_for_selector(".flash")
    move_form(ins, "taazirat").locator("textarea[name=note]").fill("پرونده با گزارش بازرسی و فاکتورها")
    move_form(ins, "taazirat").locator("button[type=submit]").click()
    ins.wait_for_selector(".flash")
    assert stage_of(server, code) == "taazirat"

    # The Ta'zirat liaison records the verdict, amounts typed the Persian way.
    tz = new_page(DESK)
    console_login(tz, server, "taazirat")
    open_complaint(tz, server, code)
    verdict = move_form(tz, "verdict")
    verdict.locator("input[name=violation][value=yes]").check()
    verdict.locator("input[name=penalty]").fill("۵۰٬۰۰۰٬۰۰۰")
    verdict.locator("input[name=compensation]").fill("2,500,000")
    verdict.locator("button[type=submit]").click()
    tz.wait_for_selector(".flash")
    assert "جریمه: ۵۰٬۰۰۰٬۰۰۰ ریال" in tz.inner_text("main")
    screenshot(tz, "console-verdict")
    sms = server.wait_sms(phone, lambda s: "تخلف محرز شد" in s["text"])
    assert "۵۰٬۰۰۰٬۰۰۰" in sms["text"] and "۲٬۵۰۰٬۰۰۰" in sms["text"] and code in sms["text"], sms
    # Every stage was announced by one SMS each.
    for label in ["در حال بررسی کارشناس", "ارجاع به حوزه خودتنظیمی", "اعزام بازرس", "ثبت گزارش بازرسی", "ارسال پرونده به تعزیرات", "اعلام رأی تعزیرات"]:
        assert len(server.sms_to(phone, label)) == 1, label

    # The case file prints for the Ta'zirat.
    tz.goto(f"{server.url}/staff/complaints/{code}/print")
    assert "تخلف فروش اجباری در بازرسی تأیید شد" in tz.inner_text("main")
    screenshot(tz, "console-print")


def test_a_supervisor_closes_an_escalation_and_creates_a_provincial_expert_who_sees_only_their_province(server, new_page):
    citizen, tehran_code = file_by_app(server, "09121110002", TEHRAN_SHOP)
    status, body = citizen.post(f"/v1/complaints/{tehran_code}/feedback", {"rating": 1, "comment": "هیچ پاسخی نگرفتم", "escalate": True})
    assert status == 201, body
    _, shiraz_code = file_by_app(server, "09121110003", SHIRAZ_SHOP)

    su = new_page(DESK)
    console_login(su, server, "supervisor")
    su.goto(server.url + "/staff/escalations")
    assert tehran_code in su.inner_text("main") and "هیچ پاسخی نگرفتم" in su.inner_text("main")
    screenshot(su, "console-escalations")
    su.click(f"form[action*='{tehran_code}/escalations'] button[type=submit]")
    su.wait_for_url("**/staff/escalations")
    assert tehran_code not in su.inner_text("main")

    su.goto(server.url + "/staff/accounts")
    su.fill("#username", "Expert.Fars")
    su.fill("#name", "مریم احمدی")
    su.select_option("#role", "expert")
    su.select_option("#province", "fars")
    su.fill("#password", "short")
    su.click("form[action='/staff/accounts'] button[type=submit]")
    assert "۸ نویسه" in su.inner_text(".error-summary")
    assert su.input_value("#name") == "مریم احمدی", "what was typed is kept"
    su.fill("#password", "fars-pass-1")
    su.click("form[action='/staff/accounts'] button[type=submit]")
    su.wait_for_selector(".flash")
    assert "expert.fars" in su.inner_text("table")
    screenshot(su, "console-accounts")
    su.goto(server.url + "/staff/dashboard")
    screenshot(su, "console-dashboard")

    fa = new_page(PHONE)
    console_login(fa, server, "expert.fars", "fars-pass-1")
    queue = fa.inner_text("#queue")
    assert shiraz_code in queue and tehran_code not in queue
    open_complaint(fa, server, tehran_code)
    assert "پیدا نشد" in fa.inner_text("main")
    status, _ = server.staff_api("expert.fars", "fars-pass-1").get(f"/v1/staff/complaints/{tehran_code}")
    assert status == 404, "another province's complaint is 404 in the API too"
    status, _ = server.staff_api("expert.fars", "fars-pass-1").get(f"/v1/staff/complaints/{shiraz_code}")
    assert status == 200


def test_two_experts_racing_on_one_complaint_move_it_once(server, new_page):
    phone = "09121110004"
    _, code = file_by_app(server, phone, TEHRAN_SHOP)
    a = new_page(DESK)
    b = new_page(DESK)
    console_login(a, server, "expert")
    console_login(b, server, "expert-tehran")
    open_complaint(a, server, code)
    open_complaint(b, server, code)
    # Both press "I'm handling it": the second hears that a colleague has it.
    a.click("text=رسیدگی با من")
    a.wait_for_selector(".flash")
    b.click("text=رسیدگی با من")
    b.wait_for_selector(".error-summary")
    assert "همکار دیگری" in b.inner_text(".error-summary")
    # Both had the review form open; the second submission finds it moved and keeps the note.
    open_complaint(b, server, code)
    move_form(a, "expert_review")
    move_form(b, "expert_review").locator("textarea[name=note]").fill("بررسی را شروع کردم")
    move_form(a, "expert_review").locator("button[type=submit]").click()
    a.wait_for_selector(".flash")
    move_form(b, "expert_review").locator("button[type=submit]").click()
    b.wait_for_selector(".error-summary")
    assert "در این فاصله" in b.inner_text(".error-summary")
    screenshot(b, "console-race")
    assert stage_of(server, code) == "expert_review"
    assert len(server.sms_to(phone, "در حال بررسی کارشناس")) == 1, "one SMS, not two"


def test_the_queue_refreshes_itself_and_answers_the_keyboard(server, new_page):
    page = new_page(DESK)
    console_login(page, server, "expert")
    page.wait_for_selector("#live:has-text('خودکار')")
    _, code = file_by_app(server, "09121110006", TEHRAN_SHOP)
    # No reload: the long-poll hears the new complaint and the queue is fetched again.
    page.wait_for_selector(f"#queue a:has-text('{code}')", timeout=20000)
    assert "به‌روز شد" in page.inner_text("#live")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/complaints/**")


def test_the_overdue_lead_the_queue_and_the_deadline_filter_keeps_only_them(server, new_page):
    _, late = file_by_app(server, "09121110007", TEHRAN_SHOP)
    _, fresh = file_by_app(server, "09121110008", TEHRAN_SHOP)
    # Three weeks in "received" (one working day), written behind the server's back as a
    # restored backup would be: the stage and its due time as the server would have stored them.
    day_ms = 86_400_000
    now_ms = int(time.time() * 1000)
    with sqlite3.connect(pathlib.Path(server.dir.name) / "samat.db") as db:
        n = db.execute("UPDATE complaints SET stage_since = ?, due_at = ? WHERE tracking_code = ?",
                       (now_ms - 21 * day_ms, now_ms - 19 * day_ms, late)).rowcount
        assert n == 1
    page = new_page(DESK)
    console_login(page, server, "expert")
    codes = [digits(c) for c in page.locator("#queue tbody tr td:first-child a").all_inner_texts()]
    assert codes.index(late) < codes.index(fresh), codes
    assert codes[0] == late, "the overdue lead, ahead of the older demo complaints still on time"
    # Past the second threshold (three working days late): flagged for the supervisors.
    assert page.locator("#queue tbody tr").first.locator(".badge.warn").first.inner_text() == "ارجاع به سرپرست"
    page.click("summary:has-text('فیلترها')")
    page.select_option("#due", "overdue")
    page.click("button:has-text('اعمال فیلترها')")
    page.wait_for_url("**due=overdue**")
    codes = [digits(c) for c in page.locator("#queue tbody tr td:first-child a").all_inner_texts()]
    assert codes == [late], codes
    assert digits(page.inner_text("#queue-total")) == "1"
    assert page.locator("#due option:checked").inner_text() == "گذشته از مهلت"
    screenshot(page, "console-queue-overdue-desk")


def test_a_form_without_its_csrf_token_is_refused(server, new_page):
    _, code = file_by_app(server, "09121110005", TEHRAN_SHOP)
    page = new_page(DESK)
    console_login(page, server, "expert")
    for form in [{"stage": "received", "to": "expert_review"}, {"stage": "received", "to": "expert_review", "csrf": "forged"}]:
        r = page.request.post(f"{server.url}/staff/complaints/{code}/move", form=form)
        assert r.status == 403, r.status
        assert "فرم" in r.text()
    assert stage_of(server, code) == "received"
    # The same form with the page's token works.
    open_complaint(page, server, code)
    move_form(page, "expert_review").locator("button[type=submit]").click()
    page.wait_for_selector(".flash")
    assert stage_of(server, code) == "expert_review"


# The moves each role is offered in each stage, written out from the seed's seven steps (not
# asked of the server): the citizen decides in self-regulation; a verdict ends the workflow.
OFFERED = {
    "received": {"expert": {"expert_review"}, "supervisor": {"expert_review"}},
    "expert_review": {"expert": {"self_regulation", "inspection", "dismissed"}, "supervisor": {"self_regulation", "inspection", "dismissed"}},
    "self_regulation": {},
    "inspection": {"inspector": {"inspection_reported"}, "supervisor": {"inspection_reported"}},
    "inspection_reported": {
        "inspector": {"taazirat"},
        "expert": {"taazirat", "resolved", "dismissed"},
        "supervisor": {"taazirat", "resolved", "dismissed"},
    },
    "taazirat": {"taazirat": {"verdict"}, "supervisor": {"verdict"}},
    "verdict": {},
}
ROLES = ["operator", "expert", "guild", "inspector", "taazirat", "supervisor"]


def test_each_role_is_offered_exactly_the_moves_it_may_make(server, new_page):
    # One complaint waiting in each stage.
    path = [
        ("expert_review", {}), ("self_regulation", {"note": "ارجاع"}), ("inspection", None), ("inspection_reported", {"note": "گزارش"}),
        ("taazirat", {"note": "پرونده"}), ("verdict", {"details": {"violation": False}}),
    ]
    at = {}
    for i, (stage, _) in enumerate([("received", {})] + path):
        citizen, code = file_by_app(server, f"0912112{i:04d}", TEHRAN_SHOP)
        for to, extra in path[: i]:
            if to == "inspection":
                assert citizen.post(f"/v1/complaints/{code}/decision", {"accept": False})[0] == 200
            else:
                role = {"expert_review": "expert", "self_regulation": "expert", "inspection_reported": "inspector", "taazirat": "inspector", "verdict": "taazirat"}[to]
                staff_move(server, role, code, to, **extra)
        at[stage] = code
    for role in ROLES:
        page = new_page(DESK)
        console_login(page, server, role)
        for stage, code in at.items():
            open_complaint(page, server, code)
            assert offered_moves(page) == OFFERED[stage].get(role, set()), (role, stage)
        page.context.close()


CONSOLE_PAGES = [
    "/staff/queue", "/staff/queue?holding=mine", "/staff/intake", "/staff/escalations", "/staff/dashboard", "/staff/accounts", "/staff/businesses?q=سوپر",
    f"/staff/businesses/{TEHRAN_SHOP}", f"/staff/businesses/{TEHRAN_SHOP}/sticker", "/staff/password",
]


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_no_console_page_scrolls_sideways(server, new_page, viewport):
    _, code = file_by_app(server, "09121119999", TEHRAN_SHOP)
    page = new_page(viewport)
    page.goto(server.url + "/staff/login")
    assert no_sideways_scroll(page)
    screenshot(page, "console-login")
    console_login(page, server, "supervisor")
    for path in CONSOLE_PAGES + [f"/staff/complaints/{code}", f"/staff/complaints/{code}/print", "/staff/accounts/1"]:
        page.goto(server.url + path)
        assert page.locator("main").count() == 1
        assert no_sideways_scroll(page), path
        name = path.strip("/").replace("/", "-").split("?")[0].replace(code, "complaint").replace(TEHRAN_SHOP, "shop")
        screenshot(page, f"console-{name}")
