package ir.samat

import com.sun.net.httpserver.HttpServer
import ir.samat.core.Connection
import ir.samat.core.DraftFields
import ir.samat.ffi.ComplaintEvent
import ir.samat.ffi.ComplaintUpdatesListener
import ir.samat.ffi.SamatClient
import ir.samat.core.SamatException
import ir.samat.ffi.errorMessageFa
import java.io.File
import java.net.InetSocketAddress
import java.nio.file.Files
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/** Every kind of error reaches Kotlin as its own `SamatException` with a stable code and Persian text. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsTest {
    private val server = TestServer()

    @AfterAll
    fun stop() = server.close()

    private fun tempDir() = Files.createTempDirectory("samat-app").toString()

    private fun <T : SamatException> assertCode(e: T, code: String): T {
        assertEquals(code, e.code())
        assertTrue(e.messageFa().isNotBlank())
        assertNotEquals(errorMessageFa("no_such_code"), e.messageFa(), "a message of its own for $code")
        assertEquals(e.messageFa(), e.persianMessage)
        return e
    }

    @Test
    fun `a dead server is Offline`() = runBlocking {
        val client = SamatClient.open(tempDir(), deadUrl())
        assertCode(assertThrows<SamatException.Offline> { runBlocking { client.requestOtp("09121234567") } }, "offline")
        client.close()
    }

    @Test
    fun `no session is Unauthorized`() = runBlocking {
        val client = SamatClient.open(tempDir(), server.url)
        assertCode(assertThrows<SamatException.Unauthorized> { runBlocking { client.waitForUpdates(0u) } }, "unauthorized")
        client.close()
    }

    @Test
    fun `a refusal is Rejected with the server's code`() = runBlocking {
        val client = SamatClient.open(tempDir(), server.url)
        val after = server.lastSmsId()
        client.requestOtp("09121110002")
        server.otpFor("+989121110002", after)
        val e = assertThrows<SamatException.Rejected> { runBlocking { client.verifyOtp("09121110002", "000000") } }
        assertEquals(401.toUShort(), e.status)
        assertEquals(e.serverCode, e.code())
        assertCode(e, "wrong_code")
        // Someone else's complaint (or a wrong phone) is not found on the server.
        val track = assertThrows<SamatException.Rejected> { runBlocking { client.track("4013016566", "09121110002") } }
        assertEquals(404.toUShort(), track.status)
        client.close()
    }

    @Test
    fun `bad input is Invalid, per field`() = runBlocking {
        val client = SamatClient.open(tempDir(), server.url)
        val phone = assertCode(assertThrows<SamatException.Invalid> { runBlocking { client.requestOtp("12") } }, "validation_failed")
        assertEquals("phone", phone.fields.single().field)
        assertEquals("invalid_phone", phone.fields.single().code)
        assertTrue(phone.fields.single().messageFa.contains("شماره"))
        val empty = client.createDraft(DraftFields())
        val problems = client.validate(empty).map { it.field to it.code }
        assertTrue(("category" to "missing_category") in problems, "$problems")
        val submit = assertThrows<SamatException.Invalid> { runBlocking { client.submit(empty.id) } }
        assertEquals(problems, submit.fields.map { it.field to it.code })
        val frame = assertThrows<SamatException.Invalid> { runBlocking { client.scanFrame(ByteArray(10), 100u, 100u, 100u) } }
        assertEquals("invalid_frame", frame.fields.single().code)
        client.close()
    }

    @Test
    fun `a missing draft is NotFound`() = runBlocking {
        val client = SamatClient.open(tempDir(), server.url)
        assertCode(assertThrows<SamatException.NotFound> { runBlocking { client.draft("no-such-draft") } }, "not_found")
        assertCode(assertThrows<SamatException.NotFound> { runBlocking { client.discard(42L) } }, "not_found")
        client.close()
    }

    @Test
    fun `a server failure is Server`() = runBlocking {
        val failing = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        failing.createContext("/") { exchange ->
            val body = """{"type":"about:blank","title":"down","status":503,"code":"unavailable","detail":"maintenance"}""".toByteArray()
            exchange.responseHeaders.add("content-type", "application/problem+json")
            exchange.sendResponseHeaders(503, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        failing.start()
        try {
            val client = SamatClient.open(tempDir(), "http://127.0.0.1:${failing.address.port}")
            val e = assertCode(assertThrows<SamatException.Server> { runBlocking { client.requestOtp("09121234567") } }, "server_error")
            assertEquals(503.toUShort(), e.status)
            client.close()
        } finally {
            failing.stop(0)
        }
    }

    @Test
    fun `a file that is not an image is Photo`() = runBlocking {
        val client = SamatClient.open(tempDir(), server.url)
        val draft = client.createDraft(DraftFields(description = "x"))
        assertCode(assertThrows<SamatException.Photo> { runBlocking { client.addPhoto(draft.id, "not an image".toByteArray()) } }, "invalid_photo")
        assertCode(assertThrows<SamatException.Photo> { runBlocking { client.scanImage(ByteArray(64) { 7 }) } }, "invalid_photo")
        client.close()
    }

    @Test
    fun `a corrupt database is Storage, not a crash`() = runBlocking {
        val dir = tempDir()
        File(dir, "samat.db").writeBytes(ByteArray(8192) { (it * 31).toByte() })
        assertCode(assertThrows<SamatException.Storage> { runBlocking { SamatClient.open(dir, server.url) } }, "storage")
        Unit
    }

    @Test
    fun `the listener hears Offline, then Online again, and stops on cancel`() = runBlocking {
        val errors = LinkedBlockingQueue<SamatException>()
        val connections = LinkedBlockingQueue<Connection>()
        val logged = SamatClient.open(tempDir(), server.url)
        assertEquals(Connection.UNKNOWN, logged.connection())
        login(server, logged, "09121110004", "+989121110004")
        assertEquals(Connection.ONLINE, logged.connection())
        server.kill()
        val handle = logged.subscribeUpdates(object : ComplaintUpdatesListener {
            override fun onEvents(events: List<ComplaintEvent>) {}
            override fun onError(error: SamatException) { errors.add(error) }
            override fun onConnection(connection: Connection) { connections.add(connection) }
        })
        val error = errors.poll(20, TimeUnit.SECONDS)
        assertTrue(error is SamatException.Offline, "got $error")
        // The offline indicator: off the network, then back when the server answers again.
        assertEquals(Connection.OFFLINE, connections.poll(20, TimeUnit.SECONDS))
        assertEquals(Connection.OFFLINE, logged.connection())
        server.start()
        assertEquals(Connection.ONLINE, connections.poll(30, TimeUnit.SECONDS))
        server.kill()
        handle.cancel()
        val deadline = System.nanoTime() + 5_000_000_000L
        while (handle.isActive() && System.nanoTime() < deadline) Thread.sleep(20)
        assertTrue(!handle.isActive())
        handle.close()
        logged.close()
        server.start()
    }
}
