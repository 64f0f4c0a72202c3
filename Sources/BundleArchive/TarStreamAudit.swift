/// An independent, byte-exact check of the tar stream that libarchive reads.
///
/// libarchive is lenient by design: it hides pax keywords it does not know, applies global pax
/// headers and GNU long names silently, retries past a bad checksum, accepts a missing
/// end-of-archive marker and stops reading at the first zero block. Every byte handed to
/// libarchive passes through this audit first, so those cases get a specific code. The audit never
/// stores entry data: it keeps one header block, at most one pax header body and a short queue of
/// headers that libarchive has not reached yet.
///
/// When the audit rejects an entry it sets `cutOffset` to the first byte of that entry (its pax
/// header if it has one); the reader hands libarchive nothing from there on, so libarchive reports
/// every entry before the bad one in archive order and then stops.
struct TarStreamAudit {
    static let blockSize = 512
    /// The record size of POSIX tar (blocking factor 20). Zero padding after the end-of-archive
    /// marker is legal up to the next multiple of this size, and nowhere else.
    static let recordSize: Int64 = 10240
    /// Largest pax extended header body accepted. Allowed keywords are short; this bounds memory.
    static let maxPaxHeaderSize = 65536

    /// A regular-file entry whose headers passed the audit.
    struct Entry {
        /// Offset of the entry's first header (its pax header if it has one).
        let headerOffset: Int64
        let path: [UInt8]
        let size: Int64
        /// True when a name field (path, uname, gname) holds non-ASCII bytes.
        let hasNonASCIIText: Bool
    }

    private enum Phase {
        case header
        case paxBody(remaining: Int)
        case data(remaining: Int64)
        case padding(remaining: Int)
        case secondEndBlock
        case afterEnd(limit: Int64)
        case finished
    }

    private(set) var consumed: Int64 = 0
    private(set) var failure: ArchiveError?
    private(set) var cutOffset: Int64?
    private(set) var endOffset: Int64?
    private var ready: [Entry] = []
    private var readyHead = 0
    private var phase = Phase.header
    private var block: [UInt8] = []
    private var paxBody: [UInt8] = []
    private var paxHeaderOffset: Int64 = 0
    private var pendingPax: PaxAttributes?

    init() { block.reserveCapacity(Self.blockSize) }

    var isFinished: Bool { if case .finished = phase { return true } else { return false } }

    /// The next audited entry, in archive order.
    mutating func popEntry() -> Entry? {
        guard readyHead < ready.count else { return nil }
        let entry = ready[readyHead]
        readyHead += 1
        if readyHead == ready.count { ready.removeAll(keepingCapacity: true); readyHead = 0 }
        return entry
    }

    var hasPendingEntries: Bool { readyHead < ready.count }

    // MARK: Feeding

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while index < bytes.count, failure == nil {
            let position = consumed + Int64(index)
            let available = bytes.count - index
            switch phase {
            case .header, .secondEndBlock:
                let take = min(Self.blockSize - block.count, available)
                block.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                if block.count == Self.blockSize {
                    let start = position + Int64(take) - Int64(Self.blockSize)
                    if case .secondEndBlock = phase { secondEndBlock(at: start) } else { header(at: start) }
                    block.removeAll(keepingCapacity: true)
                }
            case .paxBody(let remaining):
                let take = min(remaining, available)
                paxBody.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                if take == remaining {
                    paxBodyComplete()
                } else {
                    phase = .paxBody(remaining: remaining - take)
                }
            case .data(let remaining):
                let take = Int(min(remaining, Int64(available)))
                index += take
                let left = remaining - Int64(take)
                phase = left == 0 ? Self.paddingPhase(after: position + Int64(take)) : .data(remaining: left)
            case .padding(let remaining):
                let take = min(remaining, available)
                if let bad = Self.firstNonZero(bytes, index..<(index + take)) {
                    fail(.header, at: consumed + Int64(bad), cut: consumed + Int64(bad), "non-zero byte in the padding after an entry")
                    return
                }
                index += take
                phase = take == remaining ? .header : .padding(remaining: remaining - take)
            case .afterEnd(let limit):
                if let bad = Self.firstNonZero(bytes, index..<bytes.count) {
                    let at = consumed + Int64(bad)
                    fail(.trailingData, at: at, cut: at, "non-zero data after the end-of-archive marker")
                    return
                }
                if position + Int64(available) > limit {
                    fail(.trailingData, at: limit, cut: limit,
                         "zero padding after the end-of-archive marker runs past the \(Self.recordSize)-byte record boundary at \(limit)")
                    return
                }
                index = bytes.count
            case .finished:
                index = bytes.count
            }
        }
        consumed += Int64(index)
    }

    /// The input has ended. Anything but a complete archive (end marker plus legal padding) is
    /// truncation; a short first block that starts like a compressed stream is a format error.
    mutating func endOfInput() {
        guard failure == nil else { return }
        switch phase {
        case .afterEnd:
            phase = .finished
        case .finished:
            break
        case .header where consumed == Int64(block.count) && Self.looksCompressed(block):
            fail(.format, at: 0, cut: 0, "input is compressed; a bundle is an uncompressed POSIX tar")
        case .header where consumed == Int64(block.count) && UstarHeader.contradictsMagic(block):
            fail(.format, at: 0, cut: 0, "input is shorter than one block and not a POSIX tar header")
        case .header where block.isEmpty:
            let what = consumed == 0 ? "input is empty" : "archive ends without the end-of-archive marker"
            fail(.truncated, at: consumed, cut: nil, what)
        case .header, .secondEndBlock:
            fail(.truncated, at: consumed, cut: nil, "archive ends inside a header or end-of-archive block")
        case .paxBody, .data, .padding:
            fail(.truncated, at: consumed, cut: nil, "archive ends inside an entry")
        }
    }

    // MARK: Blocks

    private mutating func secondEndBlock(at start: Int64) {
        guard Self.isZero(block) else {
            fail(.trailingData, at: start, cut: start,
                 "a single zero block (which ends the archive for libarchive) is followed by data")
            return
        }
        let end = start + Int64(Self.blockSize)
        endOffset = end
        let limit = (end + Self.recordSize - 1) / Self.recordSize * Self.recordSize
        phase = .afterEnd(limit: limit)
    }

    private mutating func header(at start: Int64) {
        let entryStart = pendingPax == nil ? start : paxHeaderOffset
        if Self.isZero(block) {
            guard pendingPax == nil else {
                fail(.paxMalformed, at: start, cut: entryStart, "pax extended header is followed by the end-of-archive marker")
                return
            }
            phase = .secondEndBlock
            return
        }
        if start == 0, Self.looksCompressed(block) {
            fail(.format, at: 0, cut: 0, "input is compressed; a bundle is an uncompressed POSIX tar")
            return
        }
        do throws(ArchiveError) {
            let header = try UstarHeader(block: block)
            try classify(header)
            let parsed = try header.fields()
            guard parsed.linkname.isEmpty else {
                throw ArchiveError(.link, "regular-file header carries a link name")
            }
            if header.typeflag == UstarHeader.paxExtended {
                guard pendingPax == nil else {
                    throw ArchiveError(.paxMalformed, "two pax extended headers in a row")
                }
                guard parsed.size <= Int64(Self.maxPaxHeaderSize) else {
                    throw ArchiveError(.paxMalformed, "pax extended header of \(parsed.size) bytes; the limit is \(Self.maxPaxHeaderSize)")
                }
                paxHeaderOffset = start
                paxBody.removeAll(keepingCapacity: true)
                if parsed.size == 0 {
                    paxBodyComplete()
                } else {
                    phase = .paxBody(remaining: Int(parsed.size))
                }
                return
            }
            let pax = pendingPax
            pendingPax = nil
            let path = pax?.path ?? parsed.path
            let size = pax?.size ?? parsed.size
            ready.append(Entry(
                headerOffset: entryStart, path: path, size: size,
                hasNonASCIIText: (pax?.hasNonASCIIText ?? false) || parsed.hasNonASCIIText || path.contains { $0 >= 0x80 }
            ))
            phase = size == 0 ? .header : .data(remaining: size)
        } catch {
            fail(error.code, at: start, cut: entryStart, error.reason)
        }
    }

    /// Type flags, in the order the rules are documented. Only a regular file ('0' or NUL) or a
    /// pax extended header ('x') continues.
    private func classify(_ header: UstarHeader) throws(ArchiveError) {
        switch header.typeflag {
        case UInt8(ascii: "0"), 0, UstarHeader.paxExtended:
            break
        case UInt8(ascii: "1"):
            throw ArchiveError(.link, "hard link entry (type '1')")
        case UInt8(ascii: "2"):
            throw ArchiveError(.link, "symbolic link entry (type '2')")
        case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"):
            throw ArchiveError(.specialFile, "device or FIFO entry (type '\(UnicodeScalar(header.typeflag))')")
        case UInt8(ascii: "5"):
            throw ArchiveError(.directory, "directory entry (type '5'); a bundle has no directory entries")
        case UInt8(ascii: "S"):
            throw ArchiveError(.sparse, "GNU sparse entry (type 'S')")
        case UInt8(ascii: "L"), UInt8(ascii: "K"):
            throw ArchiveError(.gnuLongName, "GNU long name or long link entry (type '\(UnicodeScalar(header.typeflag))'); use pax 'path'")
        case UInt8(ascii: "g"):
            throw ArchiveError(.paxGlobal, "pax global extended header (type 'g')")
        default:
            throw ArchiveError(.entryType, "entry type \(ArchiveError.quoted([header.typeflag])) is not a regular file")
        }
        guard !header.isGNUMagic else {
            throw ArchiveError(.format, "GNU tar header (magic \"ustar  \"); only POSIX ustar and pax are accepted")
        }
    }

    private mutating func paxBodyComplete() {
        do throws(ArchiveError) {
            pendingPax = try PaxAttributes(parsing: paxBody)
            let padding = (Self.blockSize - paxBody.count % Self.blockSize) % Self.blockSize
            phase = padding == 0 ? .header : .padding(remaining: padding)
        } catch {
            fail(error.code, at: paxHeaderOffset, cut: paxHeaderOffset, error.reason)
        }
    }

    private static func paddingPhase(after end: Int64) -> Phase {
        let padding = Int((Int64(blockSize) - end % Int64(blockSize)) % Int64(blockSize))
        return padding == 0 ? .header : .padding(remaining: padding)
    }

    private mutating func fail(_ code: ArchiveError.Code, at offset: Int64, cut: Int64?, _ reason: String) {
        guard failure == nil else { return }
        failure = ArchiveError(code, offset: offset, reason)
        cutOffset = cut
        phase = .finished
    }

    /// The index of the first non-zero byte in `range`, eight bytes at a time.
    static func firstNonZero(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) != 0 { break }
            index += 8
        }
        while index < range.upperBound {
            if bytes[index] != 0 { return index }
            index += 1
        }
        return nil
    }

    static func isZero(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { firstNonZero($0, 0..<$0.count) == nil }
    }

    /// gzip, bzip2, xz, zstd, lzip and compress magic numbers.
    static func looksCompressed<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        let prefixes: [[UInt8]] = [
            [0x1F, 0x8B], [0x42, 0x5A, 0x68], [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00],
            [0x28, 0xB5, 0x2F, 0xFD], [0x4C, 0x5A, 0x49, 0x50], [0x1F, 0x9D],
        ]
        return prefixes.contains { bytes.starts(with: $0) }
    }
}
