package ir.samat.sample

import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.runBlocking
import org.json.JSONObject

/**
 * FCM, for phones with Google Play services and no UnifiedPush distributor. Only active when the
 * app was built with google-services.json (see build.gradle.kts); otherwise Firebase is not
 * initialised and this service is never called.
 *
 * Firebase calls both methods on its own worker thread and may stop the service as soon as they
 * return, so they finish their work before returning (runBlocking) instead of launching it.
 */
class FcmService : FirebaseMessagingService() {

    override fun onNewToken(token: String) {
        runBlocking { Push.registerFcmToken(applicationContext, token) }
    }

    /** The server sends a data message: `tracking_code`, `stage`, `cursor`, all strings. */
    override fun onMessageReceived(message: RemoteMessage) {
        val payload = JSONObject(message.data).toString()
        runBlocking { Push.handle(applicationContext, payload) }
    }
}
