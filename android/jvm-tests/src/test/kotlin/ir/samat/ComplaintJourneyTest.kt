package ir.samat

import ir.samat.core.Connection
import ir.samat.core.DraftFields
import ir.samat.core.DraftState
import ir.samat.core.OutboxKind
import ir.samat.core.OutboxState
import ir.samat.core.Stage
import ir.samat.ffi.ComplaintEvent
import ir.samat.ffi.ComplaintUpdatesListener
import ir.samat.ffi.SamatClient
import ir.samat.core.SamatException
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.nio.file.Files
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import javax.imageio.ImageIO
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/** A photo as the camera would give it: a large PNG. */
fun photoPng(width: Int = 2000, height: Int = 1500): ByteArray {
    val image = BufferedImage(width, height, BufferedImage.TYPE_INT_RGB)
    for (y in 0 until height) for (x in 0 until width) image.setRGB(x, y, ((x % 251) shl 16) or ((y % 241) shl 8) or 90)
    return ByteArrayOutputStream().also { ImageIO.write(image, "png", it) }.toByteArray()
}

fun complaintFields(description: String) = DraftFields(
    category = "pricing_violation",
    description = description,
    guildId = "10010010011",
    businessName = "سوپرمارکت نمونه",
    wantsCompensation = true,
    amountRials = 1_200_000L,
)

/** Logs [client] in with the code the server texted. */
suspend fun login(server: TestServer, client: SamatClient, phone: String, canonical: String) {
    val after = server.lastSmsId()
    client.requestOtp(phone)
    val session = client.verifyOtp(phone, server.otpFor(canonical, after))
    assertEquals(canonical, session.phone)
}

/**
 * The story the app lives: log in with the SMS code, write a complaint with a photo in a shop
 * basement (server down), send it when back online, then follow it as staff move it — through
 * the listener and through the coroutine Flow — and act on it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComplaintJourneyTest {
    private val server = TestServer()

    @AfterAll
    fun stop() = server.close()

    @Test
    fun `drafted offline, sent when online, followed through the listener and the flow`() = runBlocking {
        val dir = Files.createTempDirectory("samat-app").toString()
        val client = SamatClient.open(dir, server.url)
        assertEquals(server.url, client.serverUrl())

        // Login: a wrong code is the server's stable reason, then the real code from the SMS.
        val wrong = assertThrows<SamatException.Rejected> { runBlocking { client.verifyOtp("09121110001", "000000") } }
        assertTrue(wrong.code() == "wrong_code" || wrong.code() == "code_expired" || wrong.code() == "invalid_code", wrong.code())
        login(server, client, "۰۹۱۲ ۱۱۱ ۰۰۰۱", "+989121110001")

        // The shop basement.
        server.kill()
        val draft = client.createDraft(complaintFields("قیمت روی کالا نبود و گران‌تر حساب کرد"))
        assertEquals(DraftState.EDITING, draft.state)
        assertTrue(draft.updatedAtJalali.any { it in '۰'..'۹' }, draft.updatedAtJalali)
        val photo = client.addPhoto(draft.id, photoPng())
        assertTrue(photo.width <= 1600u && photo.height <= 1600u, "downscaled: ${photo.width}x${photo.height}")
        assertEquals(emptyList<Any>(), client.validate(client.draft(draft.id)))
        val queued = client.submit(draft.id)
        assertEquals(OutboxKind.COMPLAINT, queued.kind)
        assertEquals(OutboxState.QUEUED, queued.state)
        assertEquals(queued, client.outboxItem(queued.id))
        assertThrows<SamatException.Offline> { runBlocking { client.sync() } }
        assertEquals(1, client.outbox().size)

        // The app is closed and opened again; the network is back.
        client.close()
        server.restart()
        val app = SamatClient.open(dir, server.url)
        val report = app.sync()
        assertEquals(2u, report.delivered, "the complaint, then its photo: $report")
        assertEquals(0u, report.pending)
        val complaint = app.complaints().single()
        val code = complaint.trackingCode
        assertEquals(Stage.RECEIVED, complaint.stage)
        assertEquals(Stage.RECEIVED, report.newEvents.single().stage)
        assertEquals(code, report.items.first { it.kind == OutboxKind.COMPLAINT }.trackingCode)
        // The app showed what the sync brought, and clears it (the listener hears unseen events).
        app.markSeen(report.newEvents.map { it.seq })

        // Staff move it; the listener hears it.
        val expert = server.staffToken("expert")
        val heard = LinkedBlockingQueue<ComplaintEvent>()
        val handle = app.subscribeUpdates(object : ComplaintUpdatesListener {
            override fun onEvents(events: List<ComplaintEvent>) = events.forEach { heard.add(it) }
            override fun onError(error: SamatException) {}
            override fun onConnection(connection: Connection) {}
        })
        server.transition(expert, code, """{"to":"expert_review"}""")
        val event = heard.poll(20, TimeUnit.SECONDS)
        assertNotNull(event, "the listener heard nothing")
        assertEquals(code, event!!.trackingCode)
        assertEquals(Stage.EXPERT_REVIEW, event.stage)
        assertEquals(Stage.RECEIVED, event.fromStage)
        assertEquals("کارشناس", event.actorLabelFa)
        assertEquals("در حال بررسی کارشناس", event.stage.labelFa())
        assertTrue(event.atJalali.contains("۱۴"), event.atJalali)
        assertTrue(handle.isActive())
        handle.cancel()
        withTimeout(5_000) { while (handle.isActive()) delay(20) }
        handle.close()

        // The same through the Flow.
        val batch = withTimeout(20_000) {
            val flow = app.updates()
            coroutineScope {
                val first = async { flow.first { batch -> batch.any { it.stage == Stage.SELF_REGULATION } } }
                // Moved once the collector is subscribed (the poll would also catch up on it later).
                delay(300)
                server.transition(expert, code, """{"to":"self_regulation","note":"ارجاع به اتحادیه"}""")
                first.await()
            }
        }
        assertEquals(Stage.SELF_REGULATION, batch.last().stage)
        assertEquals("ارجاع به اتحادیه", batch.last().note)

        // The history, as the detail screen shows it.
        val detail = app.refresh(code).detail!!
        assertEquals(listOf(Stage.RECEIVED, Stage.EXPERT_REVIEW, Stage.SELF_REGULATION), detail.events.map { it.stage })
        assertEquals(1, detail.photos.size)
        assertTrue(detail.createdAtJalali.isNotEmpty())

        // The citizen refuses the business's offer: an inspector is sent.
        val decision = app.decide(code, false, null)
        assertEquals(OutboxKind.DECISION, decision.kind)
        assertEquals(1u, app.sync().delivered)
        assertEquals(Stage.INSPECTION, app.refresh(code).stage)

        // Seen events are not "unseen" any more.
        val unseen = app.unseenEvents()
        assertTrue(unseen.isNotEmpty())
        app.markSeen(unseen.map { it.seq })
        assertEquals(0, app.unseenEvents().size)

        // A push arrives when the inspector reports: the notification to show, in Persian.
        server.transition(server.staffToken("inspector"), code, """{"to":"inspection_reported","note":"گزارش بازرسی ثبت شد"}""")
        val push = app.handlePush("""{"tracking_code":"$code","stage":"inspection_reported","cursor":"999"}""")
        assertNotNull(push, "a new stage is shown")
        assertEquals(Stage.INSPECTION_REPORTED, push!!.stage)
        assertTrue(push.titleFa.contains(code), "the tracking code as the SMS writes it: ${push.titleFa}")
        assertEquals(null, app.handlePush("""{"tracking_code":"$code","stage":"inspection_reported","cursor":"999"}"""), "shown once")

        // Public tracking works without the session.
        val tracked = app.track(code, "09121110001")
        assertEquals(Stage.INSPECTION_REPORTED, tracked.stage)

        app.logout()
        assertThrows<SamatException.Unauthorized> { runBlocking { app.waitForUpdates(0u) } }
        app.close()
    }
}
