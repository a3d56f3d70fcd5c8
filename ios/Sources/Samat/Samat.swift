// The Swift face of the Samat client, over the uniffi-generated Swift in Generated/
// (SamatClient, the records, SamatError). Same shape as the Kotlin facade on Android.
import Foundation

#if canImport(CoreVideo)
import CoreVideo
#endif

extension SamatClient {
    /// New events of the citizen's complaints, batch by batch, for as long as the stream is
    /// iterated. Ending the iteration (or cancelling its Task) cancels the subscription.
    /// Polling failures do not end the stream — the library keeps polling with backoff — they
    /// go to `onError` (once per kind of failure in a row); `onConnection` hears each change
    /// between reaching the server and not (the offline indicator).
    ///
    ///     for await events in client.updates() { ... }
    public func updates(
        onError: (@Sendable (SamatError) -> Void)? = nil,
        onConnection: (@Sendable (Connection) -> Void)? = nil
    ) -> AsyncStream<[ComplaintEvent]> {
        AsyncStream { continuation in
            let listener = StreamListener(continuation: continuation, errors: onError, connections: onConnection)
            let handle = self.subscribeUpdates(listener: listener)
            continuation.onTermination = { _ in handle.cancel() }
        }
    }

    #if canImport(CoreVideo)
    /// Scans a camera frame's luma plane: plane 0 of a bi-planar YUV pixel buffer
    /// (`kCVPixelFormatType_420YpCbCr8BiPlanarFullRange`, what AVCaptureVideoDataOutput
    /// delivers when asked), passed with its row stride, without converting to RGB.
    public func scanLuma(_ pixelBuffer: CVPixelBuffer) async throws -> [ScannedCode] {
        CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly)
        let luma: Data
        let width = UInt32(CVPixelBufferGetWidthOfPlane(pixelBuffer, 0))
        let height = UInt32(CVPixelBufferGetHeightOfPlane(pixelBuffer, 0))
        let stride = CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, 0)
        if let base = CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, 0) {
            luma = Data(bytes: base, count: stride * Int(height))
        } else {
            luma = Data()
        }
        CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly)
        return try await scanFrame(luma: luma, width: width, height: height, rowStride: UInt32(stride))
    }
    #endif
}

extension SamatError {
    /// What to tell the user, in Persian.
    public var persianMessage: String {
        if case .Invalid(let fields) = self, !fields.isEmpty {
            return fields.map(\.messageFa).joined(separator: "\n")
        }
        return messageFa()
    }
}

/// Feeds the library's listener calls into an AsyncStream.
private final class StreamListener: ComplaintUpdatesListener {
    private let continuation: AsyncStream<[ComplaintEvent]>.Continuation
    private let errors: (@Sendable (SamatError) -> Void)?
    private let connections: (@Sendable (Connection) -> Void)?

    init(
        continuation: AsyncStream<[ComplaintEvent]>.Continuation,
        errors: (@Sendable (SamatError) -> Void)?,
        connections: (@Sendable (Connection) -> Void)?
    ) {
        self.continuation = continuation
        self.errors = errors
        self.connections = connections
    }

    func onEvents(events: [ComplaintEvent]) {
        continuation.yield(events)
    }

    func onError(error: SamatError) {
        errors?(error)
    }

    func onConnection(connection: Connection) {
        connections?(connection)
    }
}
