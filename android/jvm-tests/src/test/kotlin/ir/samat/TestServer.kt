package ir.samat

import java.io.File
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration

/**
 * The real samat-server binary (`target/debug/samat-server`) on a free port with a temp SQLite
 * database and SMS written to a file, as the Rust end-to-end tests run it; killed and
 * restarted on the same port and database to play "the phone lost the network".
 */
class TestServer : AutoCloseable {
    val dir: File = Files.createTempDirectory("samat-server").toFile()
    val port: Int = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private val smsFile = File(dir, "sms.jsonl")
    private var process: Process? = null
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    init {
        start()
    }

    fun start() {
        val binary = System.getProperty("samat.server") ?: error("set -Dsamat.server to the samat-server binary")
        check(File(binary).canExecute()) { "no server binary at $binary: run scripts/test-bindings (it builds it)" }
        process = ProcessBuilder(
            binary, "--demo",
            "--database", "sqlite://${File(dir, "samat.db").absolutePath}",
            "--sms", "file:${smsFile.absolutePath}",
            "--listen", "127.0.0.1:$port",
            "--otp-per-ip-per-hour", "100000", "--otp-per-phone-per-hour", "1000",
            "--staff-logins-per-15min", "100000", "--track-per-ip-per-minute", "100000",
        ).redirectErrorStream(true).redirectOutput(File(dir, "server.log")).also { it.environment()["SAMAT_LOG"] = "warn" }.start()
        val deadline = System.nanoTime() + 30_000_000_000L
        while (System.nanoTime() < deadline) {
            if (runCatching { Socket("127.0.0.1", port).close() }.isSuccess) return
            check(process!!.isAlive) { "server exited: " + File(dir, "server.log").readText() }
            Thread.sleep(20)
        }
        error("server did not start: " + File(dir, "server.log").readText())
    }

    /** SIGKILL: the phone is offline as far as the client can tell. */
    fun kill() {
        process?.let {
            it.destroyForcibly()
            it.waitFor()
        }
        process = null
    }

    fun restart() {
        kill()
        start()
    }

    override fun close() {
        kill()
        dir.deleteRecursively()
    }

    private data class Sms(val id: Long, val to: String, val text: String)

    private fun sms(): List<Sms> {
        if (!smsFile.exists()) return emptyList()
        return smsFile.readLines().mapNotNull { line ->
            val id = Regex("\"id\":(\\d+)").find(line)?.groupValues?.get(1)?.toLong() ?: return@mapNotNull null
            val to = Regex("\"to\":\"([^\"]*)\"").find(line)?.groupValues?.get(1) ?: return@mapNotNull null
            val text = Regex("\"text\":\"((?:[^\"\\\\]|\\\\.)*)\"").find(line)?.groupValues?.get(1) ?: return@mapNotNull null
            Sms(id, to, text)
        }
    }

    fun lastSmsId(): Long = sms().maxOfOrNull { it.id } ?: 0

    /** The six-digit login code the server texted to [canonicalPhone] (`+989…`) after SMS [after]. */
    fun otpFor(canonicalPhone: String, after: Long): String {
        val deadline = System.nanoTime() + 20_000_000_000L
        while (System.nanoTime() < deadline) {
            val text = sms().lastOrNull { it.id > after && it.to == canonicalPhone && it.text.contains("کد ورود") }?.text
            if (text != null) return Regex("(?<!\\d)\\d{6}(?!\\d)").find(text)!!.value
            Thread.sleep(20)
        }
        error("no login SMS to $canonicalPhone; got ${sms()}")
    }

    /** Waits for an SMS to [canonicalPhone] (`+989…`) whose text satisfies [matches]; returns its text. */
    fun waitSms(canonicalPhone: String, matches: (String) -> Boolean): String {
        val deadline = System.nanoTime() + 20_000_000_000L
        while (System.nanoTime() < deadline) {
            sms().lastOrNull { it.to == canonicalPhone && matches(it.text) }?.let { return it.text }
            Thread.sleep(20)
        }
        error("no matching SMS to $canonicalPhone; got ${sms().filter { it.to == canonicalPhone }.map { it.text }}")
    }

    /** Logs in a demo staff account (`expert`, `inspector`, ...) over plain HTTP; returns its token. */
    fun staffToken(username: String): String {
        val (status, body) = post("/v1/staff/login", null, """{"username":"$username","password":"demo"}""")
        check(status == 200) { "staff login: $status $body" }
        return Regex("\"token\":\"([^\"]+)\"").find(body)!!.groupValues[1]
    }

    /** A staff move: `POST /v1/staff/complaints/{code}/transition`. */
    fun transition(token: String, trackingCode: String, json: String) {
        val (status, body) = post("/v1/staff/complaints/$trackingCode/transition", token, json)
        check(status == 200) { "transition: $status $body" }
    }

    /** A GET answered with bytes (a sticker PNG, say). */
    fun getBytes(path: String, token: String?): ByteArray {
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(30))
            .apply { if (token != null) header("authorization", "Bearer $token") }
            .GET()
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofByteArray())
        check(response.statusCode() == 200) { "GET $path: ${response.statusCode()}" }
        return response.body()
    }

    fun post(path: String, token: String?, json: String): Pair<Int, String> {
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .apply { if (token != null) header("authorization", "Bearer $token") }
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }
}

/** A port nothing listens on. */
fun deadUrl(): String = "http://127.0.0.1:" + ServerSocket(0).use { it.localPort }
