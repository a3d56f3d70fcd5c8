package ir.samat

import ir.samat.core.DraftFields
import ir.samat.core.NextStep
import ir.samat.core.PhotoState
import ir.samat.core.Stage
import ir.samat.ffi.SamatClient
import ir.samat.core.SamatException
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/**
 * Every call the app's screens make after filing, on the JVM against the real library and
 * server: the business picked from the registry (searched online and offline), a complaint
 * filed by guild ID alone and named by the registry, its photos listed for thumbnails, the
 * business's answer shown with what the citizen may do, the decision, the verdict as a typed
 * record, the complaint about the handling, and withdrawing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CitizenActionsTest {
    private val server = TestServer()

    @AfterAll
    fun stop() = server.close()

    private fun tempDir(): String = Files.createTempDirectory("samat-app").toString()

    private fun note(token: String, code: String, text: String) {
        val (status, body) = server.post("/v1/staff/complaints/$code/notes", token, """{"note":"$text","visible_to_citizen":true}""")
        check(status == 201) { "note: $status $body" }
    }

    /** Files a compensation claim for the demo supermarket by its guild ID alone, with a photo. */
    private suspend fun fileByGuildId(app: SamatClient): String {
        val draft = app.createDraft(
            DraftFields(category = "no_invoice", description = "فاکتور نداد و پول را پس نداد", guildId = "۱۰۰۱۰۰۱۰۰۱۱", wantsCompensation = true),
        )
        app.addPhoto(draft.id, photoPng(1200, 900))
        app.submit(draft.id)
        val report = app.sync()
        return report.items.first { it.trackingCode != null }.trackingCode!!
    }

    @Test
    fun `the registry is searched by name and city, online and from the phone's cache`() = runBlocking {
        val app = SamatClient.open(tempDir(), server.url)
        val byName = app.searchBusinesses("سوپر", null)
        assertEquals("10010010011", byName.first().guildId)
        assertEquals("سوپرمارکت نمونه", byName.first().name)
        // Arabic letter forms and a city narrow it the same way the server's picker does.
        assertEquals(listOf("20020020021"), app.searchBusinesses("نانوايي", "اصفهان").map { it.guildId })
        assertEquals(listOf("30030030031"), app.searchBusinesses(null, "مشهد").map { it.guildId })
        val short = assertThrows<SamatException.Invalid> { runBlocking { app.searchBusinesses("س", null) } }
        assertEquals("query_too_short", short.fields.single().code)
        assertTrue(short.fields.single().messageFa.isNotEmpty())
        // No network: what was found before is found again.
        server.kill()
        assertEquals(listOf("10010010011"), app.searchBusinesses("سوپرمارکت", "تهران").map { it.guildId })
        assertEquals(emptyList<String>(), app.searchBusinesses("موبایل", null).map { it.guildId }, "never fetched, not cached")
        server.start()
        app.close()
    }

    @Test
    fun `a business chosen by a typed guild ID or from the search names the draft`() = runBlocking {
        val app = SamatClient.open(tempDir(), server.url)
        val draft = app.createDraft(DraftFields(description = "فاکتور نداد", businessName = "سوپری سر کوچه", city = "کرج"))
        // Typed in Persian digits: the registry names the shop.
        val typed = app.chooseBusiness(draft.id, "۱۰۰۱۰۰۱۰۰۱۱")
        assertEquals("سوپرمارکت نمونه", typed.business!!.name)
        assertEquals("10010010011", typed.draft.fields.guildId)
        assertEquals("سوپرمارکت نمونه", typed.draft.fields.businessName)
        assertEquals("تهران", typed.draft.fields.city)
        assertTrue(typed.draft.fields.businessAddress!!.isNotEmpty())
        assertEquals("فاکتور نداد", typed.draft.fields.description, "the rest of the form is kept")
        // Picked from the search: another shop replaces the first, nothing of it stays.
        val bakery = app.searchBusinesses("نانوایی", null).first()
        val picked = app.chooseBusiness(draft.id, bakery.guildId)
        assertEquals(bakery.name, picked.draft.fields.businessName)
        assertEquals(bakery.address, picked.draft.fields.businessAddress)
        assertEquals("اصفهان", picked.draft.fields.city)
        // An ID the registry does not know: no record, and the citizen types the name.
        val unknown = app.chooseBusiness(draft.id, "123456789")
        assertNull(unknown.business)
        assertEquals("123456789", unknown.draft.fields.guildId)
        assertNull(unknown.draft.fields.businessName, "the bakery's name does not stay on another ID")
        val bad = assertThrows<SamatException.Invalid> { runBlocking { app.chooseBusiness(draft.id, "12ab") } }
        assertEquals("invalid_guild_id", bad.fields.single().code)
        app.close()
    }

    @Test
    fun `a complaint filed by guild ID alone is named offline, its photos listed, answered, judged and rated`() = runBlocking {
        val app = SamatClient.open(tempDir(), server.url)
        login(server, app, "09121110021", "+989121110021")
        // The business was looked up once (the scan or the picker caches it); then no network.
        assertEquals("سوپرمارکت نمونه", app.lookupBusiness("10010010011")!!.name)
        server.kill()
        val draft = app.createDraft(
            DraftFields(category = "no_invoice", description = "فاکتور نداد و پول را پس نداد", guildId = "۱۰۰۱۰۰۱۰۰۱۱", wantsCompensation = true),
        )
        val photo = app.addPhoto(draft.id, photoPng(1200, 900))
        app.submit(draft.id)
        // Named from the cached registry while it waits in the queue.
        val queued = app.draft(draft.id)
        assertEquals("سوپرمارکت نمونه", queued.fields.businessName)
        assertEquals("تهران", queued.fields.city)
        assertTrue(queued.fields.businessAddress!!.isNotEmpty())
        server.start()
        val report = app.sync()
        val code = report.items.first { it.trackingCode != null }.trackingCode!!
        val filed = app.complaint(code)
        assertEquals("سوپرمارکت نمونه", filed.businessName, "the list names the shop")
        server.waitSms("+989121110021") { it.contains(code) && it.contains("«سوپرمارکت نمونه»") } // the SMS names the shop

        // The photo stays on the phone for the complaint's page, uploaded.
        val photos = app.complaintPhotos(code)
        assertEquals(listOf(photo.id), photos.map { it.photoId })
        assertEquals(PhotoState.UPLOADED, photos.single().state)
        assertTrue(File(photos.single().path!!).length() > 0, "a thumbnail can be made from it")
        assertEquals(photo.width, photos.single().width)

        // Before the expert's referral the citizen may withdraw or complain about the handling.
        var c = app.complaint(code)
        assertFalse(c.choices.decide)
        assertTrue(c.choices.withdraw && c.choices.feedback)
        assertEquals(NextStep.WAIT, c.nextStep)

        // Self-regulation: asked to decide, then the business's answer arrives.
        val expert = server.staffToken("expert")
        server.transition(expert, code, """{"to":"expert_review"}""")
        server.transition(expert, code, """{"to":"self_regulation","note":"ارجاع به اتحادیه"}""")
        c = app.refresh(code)
        assertTrue(c.choices.decide)
        assertNull(c.businessAnswer, "the referral note is not the business's answer")
        assertEquals(NextStep.ANSWER_BUSINESS, c.nextStep)
        assertTrue(c.nextStepFa.contains("samat") && c.nextStepFa.contains("124.ir"), c.nextStepFa)
        note(server.staffToken("guild"), code, "فروشنده می‌گوید فاکتور را ایمیل کرده است")
        c = app.refresh(code)
        assertEquals("فروشنده می‌گوید فاکتور را ایمیل کرده است", c.businessAnswer)
        server.waitSms("+989121110021") { it.contains("واحد صنفی") && it.contains("پاسخ داد") && it.contains("samat") }

        // Not satisfied: an inspector is sent, and nothing more is asked.
        app.decide(code, false, "ایمیلی نرسید")
        assertEquals(1u, app.sync().delivered)
        c = app.refresh(code)
        assertEquals(Stage.INSPECTION, c.stage)
        assertFalse(c.choices.decide)
        assertNull(c.businessAnswer)

        // The inspector reports, the case file goes to the Ta'zirat, the verdict comes back.
        val inspector = server.staffToken("inspector")
        server.transition(inspector, code, """{"to":"inspection_reported","note":"فاکتور صادر نمی‌شود"}""")
        server.transition(inspector, code, """{"to":"taazirat","note":"پرونده تخلف"}""")
        server.transition(
            server.staffToken("taazirat"), code,
            """{"to":"verdict","details":{"violation":true,"penalty_rials":50000000,"compensation_rials":2500000}}""",
        )
        c = app.refresh(code)
        assertNotNull(c.verdict)
        val verdict = c.verdict!!
        assertTrue(verdict.violation)
        assertEquals(50_000_000L, verdict.penaltyRials)
        assertEquals("۵۰٬۰۰۰٬۰۰۰ ریال", verdict.penaltyFa)
        assertEquals("۲٬۵۰۰٬۰۰۰ ریال", verdict.compensationFa)
        assertEquals("تخلف محرز شد", verdict.outcomeFa)
        assertTrue(verdict.summaryFa.contains("غرامت به شما"), verdict.summaryFa)
        assertTrue(verdict.atJalali.any { it in '۰'..'۹' }, verdict.atJalali)
        assertEquals(verdict, c.events.last().verdict, "the event that announced it carries it too")
        assertEquals(verdict, c.detail!!.verdict)
        assertEquals(NextStep.READ_VERDICT, c.nextStep)
        assertFalse(c.choices.withdraw, "no withdrawing after the verdict")
        server.waitSms("+989121110021") { it.contains("تخلف محرز شد") && it.contains("۲٬۵۰۰٬۰۰۰ ریال") }

        // A complaint about the handling, escalated to the ministry's complaints centre.
        assertTrue(c.choices.feedback)
        app.feedback(code, 2, "خیلی طول کشید", true)
        assertEquals(1u, app.sync().delivered)
        val feedback = app.refresh(code).detail!!.feedback.single()
        assertEquals(2L, feedback.rating)
        assertTrue(feedback.escalated)
        val again = app.feedback(code, 3, null, true)
        app.sync()
        assertEquals("escalation_open", app.outboxItem(again.id).lastError!!.code, "one open escalation at a time")
        assertTrue(app.outboxItem(again.id).lastError!!.messageFa.isNotEmpty())
        app.discard(again.id)
        app.close()
    }

    @Test
    fun `withdrawing closes the complaint and leaves only the complaint about the handling`() = runBlocking {
        val app = SamatClient.open(tempDir(), server.url)
        login(server, app, "09121110022", "+989121110022")
        val code = fileByGuildId(app)
        assertTrue(app.complaint(code).choices.withdraw)
        app.withdraw(code, "با فروشنده توافق کردیم")
        assertEquals(1u, app.sync().delivered)
        val c = app.refresh(code)
        assertEquals(Stage.WITHDRAWN, c.stage)
        assertEquals("با فروشنده توافق کردیم", c.events.last().note)
        assertFalse(c.choices.withdraw || c.choices.decide)
        assertTrue(c.choices.feedback)
        assertEquals(NextStep.CLOSED, c.nextStep)
        // Withdrawing twice is refused with a stable code and Persian words.
        val twice = app.withdraw(code, null)
        app.sync()
        assertEquals("invalid_transition", app.outboxItem(twice.id).lastError!!.code)
        app.close()
    }

    @Test
    fun `photos filed from another device are listed and fetched for thumbnails`() = runBlocking {
        val first = SamatClient.open(tempDir(), server.url)
        login(server, first, "09121110023", "+989121110023")
        val code = fileByGuildId(first)
        first.close()
        // The same citizen on a new phone: the complaint comes through the feed, its photo
        // only from the server.
        val phone = SamatClient.open(tempDir(), server.url)
        login(server, phone, "09121110023", "+989121110023")
        phone.sync()
        val listed = phone.complaintPhotos(code).single()
        assertEquals(PhotoState.ON_SERVER, listed.state)
        assertNull(listed.path)
        val fetched = phone.fetchPhoto(code, listed.photoId)
        assertEquals(PhotoState.UPLOADED, fetched.state)
        assertTrue(File(fetched.path!!).length() > 0)
        assertEquals(listOf(fetched), phone.complaintPhotos(code))
        phone.close()
    }
}
