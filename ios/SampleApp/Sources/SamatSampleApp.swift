import SwiftUI

/// The sample app: login with the SMS code, a new complaint with a camera scan of the guild QR
/// and a photo, the list with stages, the detail with its history, and push notifications of its
/// progress (APNs, see Push.swift). Persian, right to left.
@main
struct SamatSampleApp: App {
    /// Receives the APNs token and pushes; it owns the model so pushes reach it with no window.
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(appDelegate.model)
                .environment(\.layoutDirection, .rightToLeft)
                .environment(\.locale, Locale(identifier: "fa_IR"))
                .task { await appDelegate.model.start() }
        }
    }
}
