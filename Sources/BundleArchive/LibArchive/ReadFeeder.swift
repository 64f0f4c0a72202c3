internal import CArchive

/// The client side of libarchive's read callback: pulls bytes from the source, passes every byte
/// through the audit, and withholds everything from the audit's cut offset on.
final class ReadFeeder {
    static let chunkSize = 64 * 1024

    private let source: any ByteSource
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var audit = TarStreamAudit()
    private(set) var ioFailure: ArchiveError?
    private var delivered: Int64 = 0
    private var sourceEnded = false

    init(source: any ByteSource) {
        self.source = source
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func popEntry() -> TarStreamAudit.Entry? { audit.popEntry() }

    /// The first failure seen outside libarchive: the audit's, else an I/O error.
    var failure: ArchiveError? { audit.failure ?? ioFailure }

    /// One libarchive read callback: returns the byte count (0 = end of input) or ARCHIVE_FATAL.
    /// The buffer stays valid until the next call, as libarchive requires.
    func supply(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        if let cut = audit.cutOffset, delivered >= cut { return 0 }
        guard ioFailure == nil else { return Int(ARCHIVE_FATAL) }
        guard !sourceEnded else { return 0 }
        let count: Int
        do {
            count = try source.read(into: buffer)
        } catch {
            ioFailure = error
            return Int(ARCHIVE_FATAL)
        }
        guard count > 0 else {
            sourceEnded = true
            audit.endOfInput()
            return 0
        }
        audit.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        var give = Int64(count)
        if let cut = audit.cutOffset { give = max(0, min(give, cut - delivered)) }
        delivered += give
        out.pointee = UnsafeRawPointer(buffer.baseAddress)
        return Int(give)
    }

    /// After libarchive reported the end of the archive: read the rest of the input through the
    /// audit, which accepts only zero padding up to the record boundary. Stops at the first
    /// failure, so it reads at most one record past the end marker.
    func drain() {
        while !sourceEnded, audit.failure == nil, ioFailure == nil {
            do {
                let count = try source.read(into: buffer)
                if count == 0 {
                    sourceEnded = true
                    audit.endOfInput()
                } else {
                    audit.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                }
            } catch {
                ioFailure = error
            }
        }
    }
}

/// libarchive's read callback: forwards to the `ReadFeeder` passed as client data.
func feederReadCallback(
    _ archive: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
    guard let clientData, let out else { return la_ssize_t(ARCHIVE_FATAL) }
    let feeder = Unmanaged<ReadFeeder>.fromOpaque(clientData).takeUnretainedValue()
    return la_ssize_t(feeder.supply(out))
}
