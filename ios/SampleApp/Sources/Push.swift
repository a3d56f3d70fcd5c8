import Samat
import UIKit
import UserNotifications

/// APNs for the sample. The server sends an alert push whose payload carries, next to `aps`,
/// `tracking_code`, `stage` and `cursor`; the library's `handlePush` syncs and says what to show,
/// each event once, whether the push or a sync brought it first.
///
/// Needs the Push Notifications capability (`aps-environment` in project.yml) and, for pushes with
/// `content-available`, the `remote-notification` background mode.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    /// The app's model, here so that push callbacks reach it even when no window is up yet.
    let model = AppModel()

    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        // Before launch ends, so a tap that launched the app is delivered here too.
        UNUserNotificationCenter.current().delegate = self
        return true
    }

    // MARK: registration

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
        Task { @MainActor in await model.registerDevice(apnsToken: hex) }
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        // No APNs (no entitlement, no network): the long-poll keeps the open app current.
        print("APNs registration failed: \(error.localizedDescription)")
    }

    // MARK: receiving

    /// A push with `content-available: 1`, in the background (or a silent one in the
    /// foreground): handled here, and shown as a local notification when it has no alert of its own.
    func application(
        _ application: UIApplication,
        didReceiveRemoteNotification userInfo: [AnyHashable: Any],
        fetchCompletionHandler completionHandler: @escaping (UIBackgroundFetchResult) -> Void
    ) {
        let hasAlert = (userInfo["aps"] as? [String: Any])?["alert"] != nil
        if hasAlert && application.applicationState == .active {
            completionHandler(.noData) // willPresent below handles it
            return
        }
        let payload = PushPayload.json(userInfo)
        Task { @MainActor in
            let shown = await model.receivedPush(payload, showLocally: !hasAlert)
            completionHandler(shown == nil ? .noData : .newData)
        }
    }

    /// A notification while the app is in the foreground. A remote one is handled and replaced
    /// by a local one with the library's text (none when a sync already showed the news); a local
    /// one (ours) is shown.
    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification,
        withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        guard notification.request.trigger is UNPushNotificationTrigger else {
            completionHandler([.banner, .list, .sound])
            return
        }
        let payload = PushPayload.json(notification.request.content.userInfo)
        Task { @MainActor in
            await self.model.receivedPush(payload, showLocally: true)
            completionHandler([])
        }
    }

    /// A tapped notification (remote or ours): the complaint opens.
    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        let request = response.notification.request
        let userInfo = request.content.userInfo
        let code = userInfo["tracking_code"] as? String
        // A remote alert shown by the system while the app was in the background: handle it now
        // (the library syncs; its news is then not shown again).
        let payload = request.trigger is UNPushNotificationTrigger ? PushPayload.json(userInfo) : nil
        Task { @MainActor in
            await self.model.receivedPush(payload, showLocally: false)
            if let code { await self.model.openFromNotification(code) }
            completionHandler()
        }
    }
}

extension AppModel {
    /// After login: asks to show notifications, then registers with APNs (the token arrives in
    /// `AppDelegate.didRegisterForRemoteNotificationsWithDeviceToken`).
    func enablePush() async {
        _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])
        // Even when alerts are refused: silent pushes still refresh the list.
        UIApplication.shared.registerForRemoteNotifications()
    }

    /// Registers the APNs device token with the server (at every launch after login: tokens change).
    func registerDevice(apnsToken: String) async {
        do {
            _ = try await openClient().registerPush(target: .apns(token: apnsToken))
        } catch {
            // Logged out or offline: registered again at the next launch.
            print("APNs token not registered: \(error)")
        }
    }

    /// Hands a push payload to the library (which syncs), refreshes the screens, and shows the
    /// library's Persian text as a local notification when asked. Returns what there was to show.
    @discardableResult
    func receivedPush(_ payload: String?, showLocally: Bool) async -> PushNotification? {
        guard let payload else { return nil }
        let shown: PushNotification?
        do {
            shown = try await openClient().handlePush(payload: payload)
        } catch {
            print("push not handled: \(error)")
            return nil
        }
        await reload()
        if let shown, showLocally { await PushPayload.showLocally(shown) }
        return shown
    }
}

enum PushPayload {
    /// The push's `userInfo` as a JSON object (what `handlePush` reads: `tracking_code`, `stage`,
    /// `cursor` at the top level, next to `aps`); values JSON cannot hold are dropped.
    static func json(_ userInfo: [AnyHashable: Any]) -> String? {
        guard let object = jsonValue(userInfo), JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    private static func jsonValue(_ value: Any) -> Any? {
        switch value {
        case let string as String:
            return string
        case let number as NSNumber: // numbers and booleans
            return number
        case let dictionary as [AnyHashable: Any]:
            var object: [String: Any] = [:]
            for (key, value) in dictionary {
                if let key = key as? String, let value = jsonValue(value) { object[key] = value }
            }
            return object
        case let array as [Any]:
            return array.compactMap(jsonValue)
        case is NSNull:
            return NSNull()
        default:
            return nil
        }
    }

    /// One notification per complaint (a newer stage replaces it); tapping it opens the complaint.
    static func showLocally(_ notification: PushNotification) async {
        let content = UNMutableNotificationContent()
        content.title = notification.titleFa
        content.body = notification.bodyFa
        content.sound = .default
        content.threadIdentifier = notification.trackingCode
        content.userInfo = ["tracking_code": notification.trackingCode]
        let request = UNNotificationRequest(identifier: "complaint-\(notification.trackingCode)", content: content, trigger: nil)
        try? await UNUserNotificationCenter.current().add(request)
    }
}
