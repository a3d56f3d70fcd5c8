import Foundation
import Samat

/// Holds the app's one SamatClient (also used by the push callbacks in Push.swift). Every screen
/// action is a call on it; failures become the Persian message the library provides.
@MainActor
final class AppModel: ObservableObject {
    enum Screen: Equatable {
        case loading, login, list, scan, newComplaint
        case detail(String)
    }

    @Published var screen: Screen = .loading
    @Published var phone = ""
    @Published var codeSent = false
    @Published var complaints: [LocalComplaint] = []
    @Published var queued = 0
    @Published var draft: Draft?
    @Published var scanned: GuildCode?
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
        defer { busy = false }
        do {
            try await body()
        } catch let error as SamatError {
            message = error.persianMessage
            if case .Unauthorized = error { screen = .login }
        } catch {
            message = error.localizedDescription
        }
    }

    // MARK: login

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
                for await events in client.updates(onError: { error in
                    Task { @MainActor in self?.message = error.persianMessage }
                }) {
                    await self?.reload()
                    try? await client.markSeen(seqs: events.map(\.seq))
                }
            }
        }
        await act {
            _ = try await client?.sync()
            await reload()
        }
    }

    func reload() async {
        guard let client else { return }
        complaints = (try? await client.complaints()) ?? []
        queued = (try? await client.outbox().count) ?? 0
    }

    // MARK: a new complaint

    func newComplaint() {
        draft = nil
        scanned = nil
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

    func addPhoto(_ jpeg: Data) async {
        guard let client, let id = draft?.id else { return }
        await act {
            _ = try await client.addPhoto(draftId: id, bytes: jpeg)
            draft = try await client.draft(id: id)
        }
    }

    func submit(_ fields: DraftFields) async {
        guard let client, let id = draft?.id else { return }
        await act {
            draft = try await client.updateDraft(id: id, fields: fields)
            _ = try await client.submit(draftId: id)
            draft = nil
            screen = .list
            do {
                _ = try await client.sync()
            } catch SamatError.Offline {
                // Queued: sent on the next sync.
            }
            await reload()
        }
    }

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
    }
}
