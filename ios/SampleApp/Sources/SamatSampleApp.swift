import SwiftUI

/// The sample app, the citizen's whole journey: login with the SMS code (and logout); a new
/// complaint with the business scanned, typed by guild ID or searched by name and city, the day
/// on a Jalali picker, amount, address, photos from the camera or the library; the tracking code
/// after submitting; queued and refused work with what to do; an offline banner; each complaint
/// with the business's answer to accept or reject, the verdict, withdrawing and the complaint
/// about the handling; push notifications (APNs, see Push.swift). Persian, right to left, in the
/// bundled Vazirmatn font.
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
