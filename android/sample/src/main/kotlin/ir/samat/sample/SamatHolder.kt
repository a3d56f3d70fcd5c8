package ir.samat.sample

import android.content.Context
import android.util.Log
import ir.samat.core.PushNotification
import ir.samat.ffi.SamatClient
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/**
 * The process's one SamatClient, shared by the screens' ViewModel and the push services, which
 * may run while no activity is open. One client per data folder: it owns the database and the
 * send queue.
 */
object SamatHolder {
    /**
     * Work a push starts that must outlive the callback that brought it. A failure in one job
     * neither cancels the others nor crashes a process woken in the background: it is logged.
     */
    val scope = CoroutineScope(
        SupervisorJob() + Dispatchers.Default + CoroutineExceptionHandler { _, e -> Log.e("SamatPush", "push work failed", e) },
    )

    private val lock = Mutex()

    @Volatile
    private var opened: SamatClient? = null

    private val _pushes = MutableSharedFlow<PushNotification>(extraBufferCapacity = 8)

    /** Notifications a push brought (already shown), so an open screen reloads the list. */
    val pushes: SharedFlow<PushNotification> = _pushes

    /** Opens the client on first use (the app's private files folder, as before). */
    suspend fun client(context: Context): SamatClient = opened ?: lock.withLock {
        opened ?: SamatClient.open(context.applicationContext.filesDir.absolutePath, BuildConfig.SERVER_URL).also { opened = it }
    }

    internal fun pushed(notification: PushNotification) {
        _pushes.tryEmit(notification)
    }
}
