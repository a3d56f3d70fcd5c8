package ir.samat.sample

import android.util.Log
import ir.samat.ffi.PushTarget
import ir.samat.core.SamatException
import kotlinx.coroutines.launch
import org.unifiedpush.android.connector.FailedReason
import org.unifiedpush.android.connector.PushService
import org.unifiedpush.android.connector.data.PushEndpoint
import org.unifiedpush.android.connector.data.PushMessage

/**
 * Events from the UnifiedPush distributor (connector 3.x). The connector calls these on the main
 * thread and keeps the service bound only briefly, so the work goes to [SamatHolder.scope].
 */
class UnifiedPushService : PushService() {

    /** A (new) Web Push subscription: its endpoint and keys go to the server. */
    override fun onNewEndpoint(endpoint: PushEndpoint, instance: String) {
        val keys = endpoint.pubKeySet ?: return // the server only sends encrypted pushes
        SamatHolder.scope.launch {
            try {
                SamatHolder.client(applicationContext)
                    .registerPush(PushTarget.UnifiedPush(endpoint = endpoint.url, p256dh = keys.pubKey, auth = keys.auth))
            } catch (e: SamatException) {
                // Logged out or offline: the next start registers again and gets the endpoint anew.
                Log.i(TAG, "endpoint not registered: ${e.code()}")
            }
        }
    }

    /** A push, already decrypted by the connector (RFC 8291): `{"tracking_code","stage","cursor"}`. */
    override fun onMessage(message: PushMessage, instance: String) {
        if (!message.decrypted) return // not encrypted to our keys: not from our server
        val payload = message.content.toString(Charsets.UTF_8)
        SamatHolder.scope.launch { Push.handle(applicationContext, payload) }
    }

    override fun onRegistrationFailed(reason: FailedReason, instance: String) {
        Log.w(TAG, "UnifiedPush registration failed: $reason")
    }

    /** The distributor dropped this app (e.g. it was uninstalled): the server stops pushing here. */
    override fun onUnregistered(instance: String) {
        SamatHolder.scope.launch {
            try {
                SamatHolder.client(applicationContext).unregisterPush()
            } catch (e: SamatException) {
                Log.i(TAG, "push device not unregistered: ${e.code()}")
            }
        }
    }

    private companion object {
        const val TAG = "SamatPush"
    }
}
