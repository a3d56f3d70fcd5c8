package ir.samat

import ir.samat.core.GuildCode
import ir.samat.core.PayloadForm
import ir.samat.ffi.SamatClient
import java.io.File
import java.nio.ByteBuffer
import java.nio.file.Files
import javax.imageio.ImageIO
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/** The guild-barcode scanner from Kotlin: a photo's bytes, and a camera's luma plane with row padding. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScanTest {
    private val server = TestServer()
    private val corpus = File(System.getProperty("samat.qrCorpus") ?: "../../../shared/qr-corpus", "zxing/qrcode-1")
    private val image = File(corpus, "1.png")
    private val expected by lazy { File(corpus, "1.txt").readText() }

    @AfterAll
    fun stop() = server.close()

    private fun client() = runBlocking { SamatClient.open(Files.createTempDirectory("samat-app").toString(), server.url) }

    @Test
    fun `a photo of a QR code is read`() = runBlocking {
        assumeTrue(image.exists(), "the QR corpus is not at ${corpus.absolutePath}")
        val client = client()
        val codes = client.scanImage(image.readBytes())
        assertEquals(expected, codes.single().text)
        assertEquals(4, codes.single().corners.size)
        assertEquals(null, codes.single().guild, "a web link is not a guild code")
        client.close()
    }

    @Test
    fun `a camera frame with padded rows is read`() = runBlocking {
        assumeTrue(image.exists(), "the QR corpus is not at ${corpus.absolutePath}")
        val picture = ImageIO.read(image)
        val (width, height) = picture.width to picture.height
        val rowStride = width + 64 // CameraX pads rows
        val luma = ByteArray(rowStride * height)
        for (y in 0 until height) for (x in 0 until width) {
            val rgb = picture.getRGB(x, y)
            val gray = (((rgb shr 16) and 0xff) * 299 + ((rgb shr 8) and 0xff) * 587 + (rgb and 0xff) * 114) / 1000
            luma[y * rowStride + x] = gray.toByte()
        }
        val client = client()
        val codes = client.scanLuma(ByteBuffer.wrap(luma), width, height, rowStride)
        assertEquals(expected, codes.single().text)
        client.close()
    }

    @Test
    fun `a sticker the server issued verifies after a sync, and offline too`() = runBlocking {
        val client = client()
        login(server, client, "09121110077", "+989121110077")
        client.sync() // fetches the sticker keys: the app never has to ask
        assertTrue(client.guildKeys().isNotEmpty())
        client.lookupBusiness("10010010011") // caches the registry entry
        val png = server.getBytes("/v1/businesses/10010010011/qr.png", server.staffToken("operator"))
        val guild = client.scanImage(png).single().guild!!
        assertEquals("10010010011", guild.guildId)
        assertTrue(guild.verified, "reason: ${guild.reason}")
        assertEquals(PayloadForm.SIGNED_URL, guild.form)
        assertEquals(guild.name, guild.registryName)
        // The same sticker with the server gone: still verified, still named.
        server.kill()
        try {
            val offline = client.scanImage(png).single().guild!!
            assertTrue(offline.verified)
            assertEquals(guild.registryName, offline.registryName)
        } finally {
            server.restart()
        }
        client.close()
    }

    @Test
    fun `a scanned business ID becomes a draft with the registry's name`() = runBlocking {
        val client = client()
        val business = client.lookupBusiness("۱۰۰۱۰۰۱۰۰۱۱")!!
        assertEquals("10010010011", business.guildId)
        val code = GuildCode(guildId = "10010010011", name = null, verified = false, reason = "unsigned", keyId = null, form = PayloadForm.BARE_ID, registryName = null)
        val draft = client.draftFromScan(code)
        assertEquals("10010010011", draft.fields.guildId)
        assertEquals(business.name, draft.fields.businessName)
        client.close()
    }
}
