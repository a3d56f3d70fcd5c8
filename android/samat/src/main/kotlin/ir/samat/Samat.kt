// The idiomatic Kotlin face of the Samat client: coroutines and Flow over the generated
// bindings (package ir.samat.ffi). Plain JVM Kotlin — no Android classes — so the same file is
// compiled into the Android library and tested on the JVM in CI (android/jvm-tests).
package ir.samat

import ir.samat.core.Connection
import ir.samat.ffi.ComplaintEvent
import ir.samat.ffi.ComplaintUpdatesListener
import ir.samat.ffi.SamatClient
import ir.samat.core.SamatException
import ir.samat.ffi.ScannedCode
import java.nio.ByteBuffer
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * New events of the citizen's complaints, batch by batch, for as long as it is collected.
 *
 * Collecting subscribes (`subscribeUpdates`); cancelling the collector cancels the
 * subscription. Polling failures do not end the flow — the library keeps polling with backoff —
 * they are passed to [onError] (once per kind of failure in a row); [onConnection] hears each
 * change between reaching the server and not (the offline indicator).
 */
fun SamatClient.updates(
    onError: (SamatException) -> Unit = {},
    onConnection: (Connection) -> Unit = {},
): Flow<List<ComplaintEvent>> = callbackFlow {
    // Named apart from the listener's own methods, so each call below is plainly the caller's.
    val errors = onError
    val connections = onConnection
    val listener = object : ComplaintUpdatesListener {
        // Called on a library thread: blocking here holds the poller back until the
        // collector keeps up, so no batch is dropped.
        override fun onEvents(events: List<ComplaintEvent>) {
            trySendBlocking(events)
        }

        override fun onError(error: SamatException) {
            errors(error)
        }

        override fun onConnection(connection: Connection) {
            connections(connection)
        }
    }
    val handle = subscribeUpdates(listener)
    awaitClose {
        handle.cancel()
        handle.close()
    }
}.buffer(capacity = 16)

/**
 * Scans a camera frame's Y (luma) plane as CameraX hands it over
 * (`image.planes[0].buffer`, `image.planes[0].rowStride`): the buffer is read from its
 * position to its limit without disturbing it.
 */
suspend fun SamatClient.scanLuma(yPlane: ByteBuffer, width: Int, height: Int, rowStride: Int): List<ScannedCode> {
    val view = yPlane.duplicate()
    val bytes = ByteArray(view.remaining())
    view.get(bytes)
    return scanFrame(bytes, width.toUInt(), height.toUInt(), rowStride.toUInt())
}

/** The message to show for this error, in Persian. */
val SamatException.persianMessage: String
    get() = messageFa()
