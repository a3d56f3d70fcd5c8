package ir.samat.sample

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import ir.samat.core.Business
import ir.samat.core.Connection
import ir.samat.core.DraftFields
import ir.samat.core.GuildCode
import ir.samat.core.OutboxKind
import ir.samat.core.PhotoState
import ir.samat.ffi.CategoryInfo
import ir.samat.ffi.ComplaintPhoto
import ir.samat.ffi.Draft
import ir.samat.ffi.LocalComplaint
import ir.samat.ffi.OutboxItem
import ir.samat.ffi.SamatClient
import ir.samat.core.SamatException
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

    /** After submitting: the tracking code when the server already gave it, else "queued". */
    data class Submitted(val trackingCode: String?) : Screen
    data class Detail(val trackingCode: String) : Screen
}

data class UiState(
    val screen: Screen = Screen.Loading,
    val phone: String = "",
    val codeSent: Boolean = false,
    val complaints: List<LocalComplaint> = emptyList(),
    /** Queued and refused work, each with what to do about it. */
    val outbox: List<OutboxItem> = emptyList(),
    val draft: Draft? = null,
    val scanned: GuildCode? = null,
    /** The businesses the registry search found, for the picker. */
    val businesses: List<Business> = emptyList(),
    /** The photos of the complaint on screen (thumbnails). */
    val photos: List<ComplaintPhoto> = emptyList(),
    val categoryList: List<CategoryInfo> = categories(),
    /** Whether the server answered lately: the offline banner. */
    val connection: Connection = Connection.UNKNOWN,
    /** A Persian message for the last failure (from the library's error codes). */
    val message: String? = null,
    val busy: Boolean = false,
    /** Someone is logged in: the activity then asks for notifications and registers for push. */
    val loggedIn: Boolean = false,
)

/**
 * The screens' state over the app's one SamatClient (opened by [SamatHolder], which the push
 * services share). Everything the screens do is a call on it, and every decision — what the
 * citizen may do now, the business's answer, the verdict, the shop's name — comes from the
 * library; errors become the Persian message the library provides.
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
                _state.update { it.copy(busy = false, connection = client.connection()) }
            }
        }
    }

    /** Sends what is queued; offline is not a failure here (the work waits, the banner says so). */
    private suspend fun trySync() = try {
        client.sync()
    } catch (e: SamatException.Offline) {
        null
    }

    // ---- login and logout ----

    fun requestCode(phone: String) = act {
        client.requestOtp(phone)
        _state.update { it.copy(phone = phone, codeSent = true) }
    }

    fun verify(code: String) = act {
        client.verifyOtp(_state.value.phone, code)
        start()
    }

    /** Logs out: the session is revoked (offline: on the next sync), pushes stop; queued work stays. */
    fun logout() = act {
        following?.cancel()
        pushes?.cancel()
        loggedIn = false
        client.logout()
        _state.update { UiState(screen = Screen.Login, connection = it.connection) }
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
            trySync()
            reload()
        }
    }

    /** A tapped notification: its complaint, now or right after the login. */
    fun openFromNotification(trackingCode: String) {
        if (_state.value.loggedIn) open(trackingCode) else pendingDetail = trackingCode
    }

    private suspend fun reload() {
        val complaints = client.complaints()
        val outbox = client.outbox()
        _state.update { it.copy(complaints = complaints, outbox = outbox, connection = client.connection()) }
    }

    /** Sends the queue now (the "retry" of the offline banner and of queued items). */
    fun retry() = act {
        trySync()
        reload()
    }

    /** Gives up a refused item (a refused complaint's draft stays, to fix and send again). */
    fun discard(item: OutboxItem) = act {
        client.discard(item.id)
        reload()
    }

    /** A refused complaint: back to its draft, with the server's reasons, to fix and send again. */
    fun fixDraft(item: OutboxItem) = act {
        val id = item.draftId ?: return@act
        _state.update { it.copy(draft = client.draft(id), screen = Screen.NewComplaint) }
    }

    // ---- a new complaint ----

    /** A new complaint starts with the camera on the shop's guild QR (or without it). */
    fun newComplaint() = _state.update { it.copy(draft = null, scanned = null, businesses = emptyList(), screen = Screen.Scan, message = null) }

    /** A guild code the camera read; [retry] lets the scanner look again if no draft came of it. */
    fun scanned(code: GuildCode, retry: () -> Unit = {}) = act(onFailure = retry) {
        val draft = client.draftFromScan(code)
        _state.update { it.copy(draft = draft, scanned = code, screen = Screen.NewComplaint) }
    }

    fun skipScan() = act {
        val draft = client.createDraft(DraftFields())
        _state.update { it.copy(draft = draft, screen = Screen.NewComplaint) }
    }

    /** Saves what is typed so far (nothing typed is lost if the app is closed). */
    fun save(fields: DraftFields) = act {
        val draft = _state.value.draft ?: return@act
        _state.update { it.copy(draft = client.updateDraft(draft.id, fields)) }
    }

    /** A typed guild ID: the library asks the registry (online, or what the phone cached) to name the shop. */
    fun lookupGuildId(fields: DraftFields, guildId: String) = chooseBusiness(fields, guildId)

    /** The registry searched by part of the name and/or the city. */
    fun searchBusinesses(query: String, city: String) = act {
        val found = client.searchBusinesses(query.ifBlank { null }, city.ifBlank { null })
        _state.update { it.copy(businesses = found) }
        if (found.isEmpty()) _state.update { it.copy(message = "واحد صنفی با این نام یا شهر پیدا نشد.") }
    }

    /** A business picked from the search results. */
    fun chooseBusiness(fields: DraftFields, business: Business) = chooseBusiness(fields, business.guildId)

    /** Saves what is typed, then sets the business; the library fills in its name and address. */
    private fun chooseBusiness(fields: DraftFields, guildId: String) = act {
        val draft = _state.value.draft ?: return@act
        client.updateDraft(draft.id, fields)
        val choice = client.chooseBusiness(draft.id, guildId)
        _state.update { it.copy(draft = choice.draft, businesses = emptyList()) }
        if (choice.business == null) _state.update { it.copy(message = "این شناسه در فهرست واحدهای صنفی نیست؛ می‌توانید نام و نشانی را خودتان بنویسید.") }
    }

    /** A photo at full resolution (the camera's file or the gallery's bytes): the library downscales it and strips EXIF. */
    fun addPhoto(bytes: ByteArray) = act {
        val draft = _state.value.draft ?: return@act
        client.addPhoto(draft.id, bytes)
        _state.update { it.copy(draft = client.draft(draft.id)) }
    }

    fun addPhotoFile(path: String, afterwards: () -> Unit) = act {
        val draft = _state.value.draft ?: return@act
        try {
            client.addPhotoFile(draft.id, path)
        } finally {
            afterwards()
        }
        _state.update { it.copy(draft = client.draft(draft.id)) }
    }

    fun removePhoto(photoId: String) = act {
        val draft = _state.value.draft ?: return@act
        client.removePhoto(draft.id, photoId)
        _state.update { it.copy(draft = client.draft(draft.id)) }
    }

    /** Saves the form and queues it; it is sent now if online, else on the next sync. */
    fun submit(fields: DraftFields) = act {
        val draft = _state.value.draft ?: return@act
        _state.update { it.copy(draft = client.updateDraft(draft.id, fields)) }
        val queued = client.submit(draft.id)
        val report = trySync()
        val code = report?.items?.firstOrNull { it.key == queued.key && it.kind == OutboxKind.COMPLAINT && it.delivered }?.trackingCode
        _state.update { it.copy(draft = null, screen = Screen.Submitted(code)) }
        reload()
    }

    // ---- a filed complaint ----

    fun open(trackingCode: String) = act {
        show(Screen.Detail(trackingCode))
        try {
            client.refresh(trackingCode)
        } catch (e: SamatException.Offline) {
            // The copy on the phone is shown; the banner says it is offline.
        }
        reload()
        loadPhotos(trackingCode)
    }

    /** The complaint's photos; those only on the server are fetched for thumbnails when online. */
    private suspend fun loadPhotos(trackingCode: String) {
        var photos = client.complaintPhotos(trackingCode)
        _state.update { it.copy(photos = photos) }
        for (p in photos.filter { it.state == PhotoState.ON_SERVER }) {
            try {
                client.fetchPhoto(trackingCode, p.photoId)
            } catch (e: SamatException.Offline) {
                break
            }
        }
        photos = client.complaintPhotos(trackingCode)
        _state.update { it.copy(photos = photos) }
    }

    /** Queues a citizen action, sends it at once when online, and shows the complaint as it is now. */
    private fun citizenAction(trackingCode: String, queue: suspend () -> OutboxItem) = act {
        val item = queue()
        trySync()
        try {
            client.refresh(trackingCode)
        } catch (e: SamatException.Offline) {
            // Sent by the next sync; the list shows it queued.
        }
        reload()
        val refused = client.outbox().firstOrNull { it.id == item.id }?.lastError
        if (refused != null) _state.update { it.copy(message = refused.messageFa) }
    }

    /** Satisfied (the complaint is closed) or not (an inspector is sent) with the business's answer. */
    fun decide(trackingCode: String, accept: Boolean, note: String) =
        citizenAction(trackingCode) { client.decide(trackingCode, accept, note.ifBlank { null }) }

    fun withdraw(trackingCode: String, note: String) = citizenAction(trackingCode) { client.withdraw(trackingCode, note.ifBlank { null }) }

    /** The complaint about the handling: a rating, a comment, and the ministry's complaints centre if asked. */
    fun feedback(trackingCode: String, rating: Int, comment: String, escalate: Boolean) =
        citizenAction(trackingCode) { client.feedback(trackingCode, rating.toLong(), comment.ifBlank { null }, escalate) }

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
            client.updates(
                onError = { e -> if (e !is SamatException.Offline) _state.update { it.copy(message = e.persianMessage) } },
                onConnection = { c ->
                    _state.update { it.copy(connection = c) }
                    // Back online: send what waited.
                    if (c == Connection.ONLINE) retry()
                },
            ).collect { events ->
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
