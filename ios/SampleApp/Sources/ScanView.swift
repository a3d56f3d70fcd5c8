import AVFoundation
import Samat
import SwiftUI

/// The camera on the shop's guild QR: each frame's luma plane (bi-planar YUV, with its row
/// stride) goes straight to the library's scanner — no RGB conversion. The first guild code wins.
struct ScanView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        VStack(spacing: 12) {
            Text("بارکد صنفی روی پروانه یا برچسب فروشگاه را در کادر قرار دهید.")
            Button("ادامه بدون بارکد") { Task { await model.skipScan() } }
            if let client = model.client {
                CameraPreview(client: client) { code in await model.scanned(code) }
                    .clipShape(RoundedRectangle(cornerRadius: 12))
            }
        }
        .padding()
        .navigationTitle("اسکن بارکد صنفی")
    }
}

private struct CameraPreview: UIViewRepresentable {
    let client: SamatClient
    /// Whether a draft came of the code; if not (a lookup failed), the camera looks again.
    let onGuildCode: (GuildCode) async -> Bool

    func makeCoordinator() -> Scanner { Scanner(client: client, onGuildCode: onGuildCode) }

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        view.previewLayer.session = context.coordinator.session
        view.previewLayer.videoGravity = .resizeAspectFill
        context.coordinator.start()
        return view
    }

    func updateUIView(_ uiView: PreviewView, context: Context) {}

    static func dismantleUIView(_ uiView: PreviewView, coordinator: Scanner) { coordinator.stop() }

    final class PreviewView: UIView {
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var previewLayer: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }
    }

    final class Scanner: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate, @unchecked Sendable {
        let session = AVCaptureSession()
        private let client: SamatClient
        private let onGuildCode: (GuildCode) async -> Bool
        private let queue = DispatchQueue(label: "samat.scanner")
        private var busy = false
        private var found = false

        init(client: SamatClient, onGuildCode: @escaping (GuildCode) async -> Bool) {
            self.client = client
            self.onGuildCode = onGuildCode
        }

        func start() {
            queue.async { [self] in
                guard let camera = AVCaptureDevice.default(for: .video), let input = try? AVCaptureDeviceInput(device: camera) else { return }
                let output = AVCaptureVideoDataOutput()
                output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarFullRange]
                output.alwaysDiscardsLateVideoFrames = true
                output.setSampleBufferDelegate(self, queue: queue)
                session.beginConfiguration()
                if session.canAddInput(input) { session.addInput(input) }
                if session.canAddOutput(output) { session.addOutput(output) }
                session.commitConfiguration()
                session.startRunning()
            }
        }

        func stop() { queue.async { [session] in session.stopRunning() } }

        func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
            guard !busy, !found, let pixels = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
            busy = true
            // One frame at a time; late frames are dropped by the output.
            let semaphore = DispatchSemaphore(value: 0)
            Task {
                defer { semaphore.signal() }
                guard let codes = try? await client.scanLuma(pixels) else { return }
                if let guild = codes.compactMap(\.guild).first {
                    found = true
                    if !(await onGuildCode(guild)) { found = false }
                }
            }
            semaphore.wait()
            busy = false
        }
    }
}
