import Foundation
import Samat

/// Holds the app's one SamatClient (also used by the push callbacks in Push.swift). Every screen
/// action is a call on it, and every decision — what the citizen may do now, the business's
/// answer, the verdict, the shop's name — comes from the library; failures become the Persian
/// message the library provides.
@MainActor
final class AppModel: ObservableObject {
    enum Screen: Equatable {
        case loading, login, list, scan, newComplaint
        /// After submitting: the tracking code when the server already gave it, else queued.
        case submitted(String?)
        case detail(String)
    }

    @Published var screen: Screen = .loading
    @Published var phone = ""
    @Published var codeSent = false
    @Published var complaints: [LocalComplaint] = []
    /// Queued and refused work, each with what to do about it.
    @Published var outbox: [OutboxItem] = []
    @Published var draft: Draft?
    @Published var scanned: GuildCode?
    /// The registry search's matches, for the business picker.
    @Published var businesses: [Business] = []
    /// The photos of the complaint on screen (thumbnails).
    @Published var photos: [ComplaintPhoto] = []
    /// Whether the server answered lately: the offline banner.
    @Published var connection: Connection = .unknown
    @Published var message: String?
    @Published var busy = false
    let categoryList = categories()

    private(set) var client: SamatClient?
    private var opening: Task<SamatClient, Error>?
    private var following: Task<Void, Never>?
    /// A complaint a notification asked to open before the login finished.
    private var pendingDetail: String?

    func start() async {
        await act {
            let client = try await openClient()
            if try await client.session().phone == nil {
                self.screen = .login
            } else {
                await self.loggedIn()
            }
        }
    }

    /// The client, opened once: by the first screen, or by a push that woke the app first.
    func openClient() async throws -> SamatClient {
        if let client { return client }
        let opening = self.opening ?? Task {
            let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0].appendingPathComponent("samat")
            let server = Bundle.main.object(forInfoDictionaryKey: "SamatServerURL") as? String ?? "http://127.0.0.1:8124"
            return try await SamatClient.open(dataDir: dir.path, serverUrl: server)
        }
        self.opening = opening
        do {
            let client = try await opening.value
            self.client = client
            return client
        } catch {
            self.opening = nil // e.g. storage trouble: the next call tries again
            throw error
        }
    }

    private func act(_ body: () async throws -> Void) async {
        busy = true
        message = nil
        defer {
            busy = false
            if let client { connection = client.connection() }
        }
        do {
            try await body()
        } catch let error as SamatError {
            message = error.persianMessage
            if case .Unauthorized = error { screen = .login }
        } catch {
            message = error.localizedDescription
        }
    }

    /// Sends what is queued; offline is not a failure here (the work waits, the banner says so).
    @discardableResult
    private func trySync() async throws -> SyncReport? {
        do {
            return try await client?.sync()
        } catch SamatError.Offline {
            return nil
        }
    }

    // MARK: login and logout

    func requestCode(_ phone: String) async {
        await act {
            try await client?.requestOtp(phone: phone)
            self.phone = phone
            codeSent = true
        }
    }

    func verify(_ code: String) async {
        await act {
            _ = try await client?.verifyOtp(phone: phone, code: code)
            await loggedIn()
        }
    }

    /// Logs out: the session is revoked (offline: on the next sync), pushes stop; queued work stays.
    func logout() async {
        following?.cancel()
        await act {
            try await client?.logout()
            complaints = []
            outbox = []
            draft = nil
            codeSent = false
            screen = .login
        }
    }

    /// After login: the list, what waits is sent, the complaints are followed, and pushes are
    /// asked for.
    private func loggedIn() async {
        screen = .list
        await reload()
        if let code = pendingDetail {
            pendingDetail = nil
            await open(code)
        }
        Task { await enablePush() } // asks the user: not awaited, so the list goes on meanwhile
        following?.cancel()
        if let client {
            following = Task { [weak self] in
                for await events in client.updates(
                    onError: { error in
                        if case .Offline = error { return }
                        Task { @MainActor in self?.message = error.persianMessage }
                    },
                    onConnection: { connection in
                        Task { @MainActor in
                            self?.connection = connection
                            // Back online: send what waited.
                            if connection == .online { await self?.retry() }
                        }
                    }
                ) {
                    await self?.reload()
                    try? await client.markSeen(seqs: events.map(\.seq))
                }
            }
        }
        await act {
            try await trySync()
            await reload()
        }
    }

    func reload() async {
        guard let client else { return }
        complaints = (try? await client.complaints()) ?? []
        outbox = (try? await client.outbox()) ?? []
        connection = client.connection()
    }

    /// Sends the queue now (the offline banner's and the queued items' "send now").
    func retry() async {
        await act {
            try await trySync()
            await reload()
        }
    }

    /// Gives up a refused item (a refused complaint's draft stays, to fix and send again).
    func discard(_ item: OutboxItem) async {
        await act {
            try await client?.discard(outboxId: item.id)
            await reload()
        }
    }

    /// A refused complaint: back to its draft, with the server's reasons, to fix and send again.
    func fixDraft(_ item: OutboxItem) async {
        guard let id = item.draftId else { return }
        await act {
            draft = try await client?.draft(id: id)
            screen = .newComplaint
        }
    }

    // MARK: a new complaint

    func newComplaint() {
        draft = nil
        scanned = nil
        businesses = []
        screen = .scan
    }

    /// Starts a draft for a scanned business; `false` when none came of it (the scanner then
    /// looks again).
    @discardableResult
    func scanned(_ code: GuildCode) async -> Bool {
        await act {
            draft = try await client?.draftFromScan(code: code)
            scanned = code
            screen = .newComplaint
        }
        return screen == .newComplaint
    }

    func skipScan() async {
        await act {
            draft = try await client?.createDraft(fields: DraftFields())
            screen = .newComplaint
        }
    }

    /// Saves what is typed so far.
    func save(_ fields: DraftFields) async {
        guard let client, let id = draft?.id else { return }
        await act { draft = try await client.updateDraft(id: id, fields: fields) }
    }

    /// A typed guild ID: the library asks the registry (online, or what the phone cached) to name the shop.
    func lookUp(guildId: String, fields: DraftFields) async {
        await choose(guildId: guildId, fields: fields)
    }

    /// The registry searched by part of the name and/or the city.
    func search(name: String, city: String) async {
        await act {
            businesses = try await client?.searchBusinesses(query: name.isEmpty ? nil : name, city: city.isEmpty ? nil : city) ?? []
            if businesses.isEmpty { message = "واحد صنفی با این نام یا شهر پیدا نشد." }
        }
    }

    /// A business picked from the search results.
    func choose(_ business: Business, fields: DraftFields) async {
        await choose(guildId: business.guildId, fields: fields)
    }

    /// Saves what is typed, then sets the business; the library fills in its name and address.
    private func choose(guildId: String, fields: DraftFields) async {
        guard let client, let id = draft?.id else { return }
        await act {
            _ = try await client.updateDraft(id: id, fields: fields)
            let choice = try await client.chooseBusiness(draftId: id, guildId: guildId)
            draft = choice.draft
            businesses = []
            if choice.business == nil {
                message = "این شناسه در فهرست واحدهای صنفی نیست؛ می‌توانید نام و نشانی را خودتان بنویسید."
            }
        }
    }

    /// A photo at full resolution (camera or gallery); the library downscales it and strips EXIF.
    func addPhoto(_ data: Data) async {
        guard let client, let id = draft?.id else { return }
        await act {
            _ = try await client.addPhoto(draftId: id, bytes: data)
            draft = try await client.draft(id: id)
        }
    }

    func removePhoto(_ photoId: String) async {
        guard let client, let id = draft?.id else { return }
        await act {
            try await client.removePhoto(draftId: id, photoId: photoId)
            draft = try await client.draft(id: id)
        }
    }

    /// Saves the form and queues it; it is sent now if online, else on the next sync.
    func submit(_ fields: DraftFields) async {
        guard let client, let id = draft?.id else { return }
        await act {
            draft = try await client.updateDraft(id: id, fields: fields)
            let queued = try await client.submit(draftId: id)
            let report = try await trySync()
            let code = report?.items.first { $0.key == queued.key && $0.kind == .complaint && $0.delivered }?.trackingCode
            draft = nil
            screen = .submitted(code)
            await reload()
        }
    }

    // MARK: a filed complaint

    /// A tapped notification: its complaint, now or right after the login.
    func openFromNotification(_ trackingCode: String) async {
        switch screen {
        case .loading, .login: pendingDetail = trackingCode
        default: await open(trackingCode)
        }
    }

    func open(_ trackingCode: String) async {
        screen = .detail(trackingCode)
        _ = try? await client?.refresh(trackingCode: trackingCode)
        await reload()
        await loadPhotos(trackingCode)
    }

    /// The complaint's photos; those only on the server are fetched for thumbnails when online.
    private func loadPhotos(_ trackingCode: String) async {
        guard let client else { return }
        photos = (try? await client.complaintPhotos(trackingCode: trackingCode)) ?? []
        for p in photos where p.state == .onServer {
            do {
                _ = try await client.fetchPhoto(trackingCode: trackingCode, photoId: p.photoId)
            } catch {
                break // offline: shown when it is back
            }
        }
        photos = (try? await client.complaintPhotos(trackingCode: trackingCode)) ?? photos
    }

    /// Queues a citizen action, sends it at once when online, and shows the complaint as it is now.
    private func citizenAction(_ trackingCode: String, _ queue: (SamatClient) async throws -> OutboxItem) async {
        guard let client else { return }
        await act {
            let item = try await queue(client)
            try await trySync()
            _ = try? await client.refresh(trackingCode: trackingCode)
            await reload()
            if let refused = outbox.first(where: { $0.id == item.id })?.lastError { message = refused.messageFa }
        }
    }

    /// Satisfied (the complaint is closed) or not (an inspector is sent) with the business's answer.
    func decide(_ trackingCode: String, accept: Bool, note: String) async {
        await citizenAction(trackingCode) { try await $0.decide(trackingCode: trackingCode, accept: accept, note: note.isEmpty ? nil : note) }
    }

    func withdraw(_ trackingCode: String, note: String) async {
        await citizenAction(trackingCode) { try await $0.withdraw(trackingCode: trackingCode, note: note.isEmpty ? nil : note) }
    }

    /// The complaint about the handling: a rating, a comment, and the ministry's complaints centre if asked.
    func feedback(_ trackingCode: String, rating: Int, comment: String, escalate: Bool) async {
        await citizenAction(trackingCode) {
            try await $0.feedback(trackingCode: trackingCode, rating: Int64(rating), comment: comment.isEmpty ? nil : comment, escalate: escalate)
        }
    }
}
