// swift-tools-version:5.9
// The Samat client core for iOS: the Rust library as an XCFramework (static, built from
// samat-ffi by `cargo xtask ios`), the Swift that uniffi generates for it, and a small
// Swift-native facade (AsyncStream of updates, camera-frame scanning).
//
//     cargo xtask ios            # on a Mac with Xcode; builds SamatFFI.xcframework + Sources/Samat/Generated
//     open SampleApp/            # the SwiftUI sample (xcodegen generate, see SampleApp/project.yml)
import PackageDescription

let package = Package(
    name: "Samat",
    defaultLocalization: "fa",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "Samat", targets: ["Samat"]),
    ],
    targets: [
        // The name is the C module the generated Swift imports (`samat_ffiFFI`); the
        // XCFramework's headers carry its module.modulemap.
        .binaryTarget(name: "samat_ffiFFI", path: "SamatFFI.xcframework"),
        .target(name: "Samat", dependencies: ["samat_ffiFFI"], path: "Sources/Samat"),
    ]
)
