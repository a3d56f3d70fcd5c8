import SwiftUI

/// The sample app: login with the SMS code, a new complaint with a camera scan of the guild QR
/// and a photo, the list with stages, the detail with its history. Persian, right to left.
@main
struct SamatSampleApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .environment(\.layoutDirection, .rightToLeft)
                .environment(\.locale, Locale(identifier: "fa_IR"))
                .task { await model.start() }
        }
    }
}
