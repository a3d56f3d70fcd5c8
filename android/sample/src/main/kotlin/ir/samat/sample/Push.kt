package ir.samat.sample

import android.Manifest
import android.app.Activity
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.util.Log
import androidx.core.app.NotificationChannelCompat
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import com.google.android.gms.common.ConnectionResult
import com.google.android.gms.common.GoogleApiAvailability
import com.google.firebase.FirebaseApp
import com.google.firebase.messaging.FirebaseMessaging
import ir.samat.core.PushNotification
import ir.samat.core.Stage
import ir.samat.ffi.PushTarget
import ir.samat.ffi.SamatClient
import ir.samat.core.SamatException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.suspendCancellableCoroutine
import org.unifiedpush.android.connector.UnifiedPush

/**
 * Push for the sample: UnifiedPush when a distributor (ntfy, NextPush, ...) is installed — it
 * works without Google services, as on many phones in Iran — else FCM when Google Play services
 * and a Firebase configuration are there, else none (the long-poll keeps an open app current).
 * Whatever brings a push, [handle] gives it to the library, which syncs and says what to show.
 */
object Push {
    private const val TAG = "SamatPush"

    /** The notification channel of complaint updates. */
    const val CHANNEL = "complaints"

    /** The complaint a tapped notification opens. */
    const val EXTRA_TRACKING_CODE = "ir.samat.sample.TRACKING_CODE"

    /**
     * Registers this device for pushes; run after login, from the activity (the first time, the
     * UnifiedPush connector may ask the user to pick a distributor). Offline or logged out, it
     * gives up quietly and is tried again at the next start.
     */
    suspend fun register(activity: Activity) {
        try {
            val client = SamatHolder.client(activity)
            val vapid = webPushKey(client)
            if (vapid != null && UnifiedPush.getDistributors(activity).isNotEmpty() && useDistributor(activity)) {
                // The distributor answers with the endpoint and keys in UnifiedPushService.onNewEndpoint,
                // which registers them with the server.
                UnifiedPush.register(activity, messageForDistributor = activity.getString(R.string.app_name), vapid = vapid)
            } else if (fcmAvailable(activity)) {
                val token = fcmToken() ?: return
                client.registerPush(PushTarget.Fcm(token))
            }
            // Neither: no pushes; while the app is open, client.updates() (the long-poll) keeps the list current.
        } catch (e: SamatException) {
            Log.i(TAG, "push registration postponed: ${e.code()}")
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            // The FCM token could not be had (no network for Play services) or the VAPID key was refused.
            Log.w(TAG, "push registration failed", e)
        }
    }

    /** The server's VAPID key, or null when it sends no Web Push (`push_not_configured`). */
    private suspend fun webPushKey(client: SamatClient): String? = try {
        client.pushVapidKey()
    } catch (e: SamatException.Rejected) {
        null
    }

    /** The saved distributor, else the user's default one (may show the system's chooser). */
    private suspend fun useDistributor(activity: Activity): Boolean = suspendCancellableCoroutine { cont ->
        UnifiedPush.tryUseCurrentOrDefaultDistributor(activity) { ok -> if (cont.isActive) cont.resume(ok) }
    }

    /** FCM needs Google Play services and the Firebase configuration (google-services.json at build time). */
    fun fcmAvailable(context: Context): Boolean =
        FirebaseApp.getApps(context).isNotEmpty() &&
            GoogleApiAvailability.getInstance().isGooglePlayServicesAvailable(context) == ConnectionResult.SUCCESS

    private suspend fun fcmToken(): String? = suspendCancellableCoroutine { cont ->
        FirebaseMessaging.getInstance().token.addOnCompleteListener { task ->
            if (task.isSuccessful) {
                cont.resume(task.result)
            } else {
                cont.resumeWithException(task.exception ?: CancellationException("FCM token request cancelled"))
            }
        }
    }

    /** A new FCM token (FcmService.onNewToken): registered unless UnifiedPush is in use. */
    suspend fun registerFcmToken(context: Context, token: String) {
        if (UnifiedPush.getAckDistributor(context) != null) return
        try {
            SamatHolder.client(context).registerPush(PushTarget.Fcm(token))
        } catch (e: SamatException) {
            // Logged out or offline: Push.register sends the token after the next login or start.
            Log.i(TAG, "FCM token not registered: ${e.code()}")
        }
    }

    /**
     * A push arrived (`payload`: the Web Push message, or the FCM data as a JSON object). The
     * library syncs and returns what to show — nothing when a sync already reported the news —
     * and each event is shown once.
     */
    suspend fun handle(context: Context, payload: String) {
        val notification = try {
            SamatHolder.client(context).handlePush(payload)
        } catch (e: SamatException) {
            Log.w(TAG, "push not handled: ${e.code()}")
            null
        } ?: return
        show(context, notification)
        SamatHolder.pushed(notification)
    }

    /** The "complaints" channel (Persian name); creating it again is harmless. */
    fun createChannel(context: Context) {
        val channel = NotificationChannelCompat.Builder(CHANNEL, NotificationManagerCompat.IMPORTANCE_HIGH)
            .setName(context.getString(R.string.notification_channel))
            .setDescription(context.getString(R.string.notification_channel_description))
            .build()
        NotificationManagerCompat.from(context).createNotificationChannel(channel)
    }

    /**
     * One notification per complaint (a newer stage replaces it); tapping it opens the
     * complaint. The Persian text is laid out right to left by the system.
     */
    private fun show(context: Context, n: PushNotification) {
        if (Build.VERSION.SDK_INT >= 33 &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            return // Not allowed: the list shows the news when the app is opened.
        }
        createChannel(context)
        val open = Intent(context, MainActivity::class.java)
            .putExtra(EXTRA_TRACKING_CODE, n.trackingCode)
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP or Intent.FLAG_ACTIVITY_SINGLE_TOP)
        val tap = PendingIntent.getActivity(
            context, n.trackingCode.hashCode(), open, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val notification = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(R.drawable.ic_notification)
            .setContentTitle(n.titleFa)
            .setContentText(n.bodyFa)
            .setStyle(NotificationCompat.BigTextStyle().bigText(n.bodyFa))
            .setPriority(if (n.stage == Stage.VERDICT) NotificationCompat.PRIORITY_HIGH else NotificationCompat.PRIORITY_DEFAULT)
            .setCategory(NotificationCompat.CATEGORY_STATUS)
            .setContentIntent(tap)
            .setAutoCancel(true)
            .build()
        NotificationManagerCompat.from(context).notify(n.trackingCode, 0, notification)
    }
}
