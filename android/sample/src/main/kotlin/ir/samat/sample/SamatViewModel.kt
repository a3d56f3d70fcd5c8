package ir.samat.sample

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import ir.samat.ffi.CategoryInfo
import ir.samat.ffi.Draft
import ir.samat.ffi.DraftFields
import ir.samat.ffi.GuildCode
import ir.samat.ffi.LocalComplaint
import ir.samat.ffi.SamatClient
import ir.samat.ffi.SamatException
import ir.samat.ffi.categories
import ir.samat.persianMessage
import ir.samat.updates
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

sealed interface Screen {
    data object Loading : Screen
    data object Login : Screen
    data object List : Screen
    data object NewComplaint : Screen
    data object Scan : Screen
    data class Detail(val trackingCode: String) : Screen
}

data class UiState(
    val screen: Screen = Screen.Loading,
    val phone: String = "",
    val codeSent: Boolean = false,
    val complaints: List<LocalComplaint> = emptyList(),
    val queued: Int = 0,
    val draft: Draft? = null,
    val scanned: GuildCode? = null,
    val categoryList: List<CategoryInfo> = categories(),
    /** A Persian message for the last failure (from the library's error codes). */
    val message: String? = null,
    val busy: Boolean = false,
    /** Someone is logged in: the activity then asks for notifications and registers for push. */
    val loggedIn: Boolean = false,
)

/**
 * The screens' state over the app's one SamatClient (opened by [SamatHolder], which the push
 * services share). Everything the screens do is a call on it; errors become the Persian message
 * the library provides.
 */
class SamatViewModel(app: Application) : AndroidViewModel(app) {
    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state
    lateinit var client: SamatClient
        private set
    private var following: Job? = null
    private var pushes: Job? = null

    /** Logged in and on screen: only then does the app long-poll. In the background the
     *  pushes bring the news, and the notifications they show are the ones the user sees. */
    private var loggedIn = false
    private var visible = false

    /** A complaint a notification asked to open before the login finished. */
    private var pendingDetail: String? = null

    /** Whether the activity already set up push in this process (it survives rotation here). */
    var pushSetUp = false

    init {
        viewModelScope.launch {
            try {
                client = SamatHolder.client(app)
                if (client.session().phone == null) show(Screen.Login) else start()
            } catch (e: SamatException) {
                // E.g. the phone's storage failed: say so instead of crashing.
                _state.update { it.copy(message = e.persianMessage) }
            }
        }
    }

    fun show(screen: Screen) = _state.update { it.copy(screen = screen, message = null) }

    private fun act(onFailure: () -> Unit = {}, block: suspend () -> Unit) {
        viewModelScope.launch {
            _state.update { it.copy(busy = true, message = null) }
            try {
                block()
            } catch (e: SamatException) {
                // Invalid input: every field's own Persian message; otherwise the error's.
                val text = if (e is SamatException.Invalid) e.fields.joinToString("\n") { it.messageFa } else e.persianMessage
                _state.update { it.copy(message = text) }
                onFailure()
                if (e is SamatException.Unauthorized) show(Screen.Login)
            } finally {
                _state.update { it.copy(busy = false) }
            }
        }
    }

    // ---- login ----

    fun requestCode(phone: String) = act {
        client.requestOtp(phone)
        _state.update { it.copy(phone = phone, codeSent = true) }
    }

    fun verify(code: String) = act {
        client.verifyOtp(_state.value.phone, code)
        start()
    }

    /** After login: show the list, send what waits, and follow the complaints. */
    private suspend fun start() {
        show(Screen.List)
        _state.update { it.copy(loggedIn = true) }
        reload()
        loggedIn = true
        follow()
        // A push handled while the list is open (the library synced and marked it seen): show it.
        pushes?.cancel()
        pushes = viewModelScope.launch {
            SamatHolder.pushes.collect { _ ->
                try {
                    reload()
                } catch (e: SamatException) {
                    _state.update { it.copy(message = e.persianMessage) }
                }
            }
        }
        pendingDetail?.let {
            pendingDetail = null
            open(it)
        }
        act {
            client.sync()
            reload()
        }
    }

    /** A tapped notification: its complaint, now or right after the login. */
    fun openFromNotification(trackingCode: String) {
        if (_state.value.loggedIn) open(trackingCode) else pendingDetail = trackingCode
    }

    private suspend fun reload() {
        val complaints = client.complaints()
        val queued = client.outbox().size
        _state.update { it.copy(complaints = complaints, queued = queued) }
    }

    // ---- a new complaint ----

    /** A new complaint starts with the camera on the shop's guild QR (or without it). */
    fun newComplaint() = _state.update { it.copy(draft = null, scanned = null, screen = Screen.Scan, message = null) }

    /** The camera found a guild code: a draft with the business from the sticker or the registry. */
    /** A guild code the camera read; [retry] lets the scanner look again if no draft came of it. */
    fun scanned(code: GuildCode, retry: () -> Unit = {}) = act(onFailure = retry) {
        val draft = client.draftFromScan(code)
        _state.update { it.copy(draft = draft, scanned = code, screen = Screen.NewComplaint) }
    }

    fun skipScan() = act {
        val draft = client.createDraft(DraftFields())
        _state.update { it.copy(draft = draft, screen = Screen.NewComplaint) }
    }

    fun addPhoto(jpeg: ByteArray) = act {
        val draft = _state.value.draft ?: return@act
        client.addPhoto(draft.id, jpeg)
        _state.update { it.copy(draft = client.draft(draft.id)) }
    }

    /** Saves the form and queues it; it is sent now if online, else on the next sync. */
    fun submit(fields: DraftFields) = act {
        val draft = _state.value.draft ?: return@act
        _state.update { it.copy(draft = client.updateDraft(draft.id, fields)) }
        client.submit(draft.id)
        _state.update { it.copy(draft = null, screen = Screen.List) }
        try {
            client.sync()
        } catch (e: SamatException.Offline) {
            // Queued: sent on the next sync.
        }
        reload()
    }

    fun open(trackingCode: String) = act {
        show(Screen.Detail(trackingCode))
        runCatching { client.refresh(trackingCode) }
        reload()
    }

    /** The activity came on screen (`true`, onStart) or left it (`false`, onStop). */
    fun setVisible(onScreen: Boolean) {
        visible = onScreen
        follow()
    }

    /** Long-polls while logged in and on screen; stops otherwise. */
    private fun follow() {
        if (!(loggedIn && visible)) {
            following?.cancel()
            following = null
            return
        }
        if (following?.isActive == true) return
        following = viewModelScope.launch {
            client.updates(onError = { e -> _state.update { it.copy(message = e.persianMessage) } }).collect { events ->
                try {
                    reload()
                    client.markSeen(events.map { it.seq })
                } catch (e: SamatException) {
                    _state.update { it.copy(message = e.persianMessage) }
                }
            }
        }
    }

    override fun onCleared() {
        following?.cancel()
        pushes?.cancel()
        // The client stays open: it is the process's (SamatHolder), and a push may still need it.
    }
}
