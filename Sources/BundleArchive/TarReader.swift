internal import CArchive

/// Reads a bundle: a POSIX tar (ustar or pax) streamed through libarchive with bounded memory.
/// Nothing is extracted; entry data is handed to the caller in chunks.
///
/// Every byte libarchive sees first passes `TarStreamAudit`, an independent strict parser of the
/// headers; libarchive and the audit must then agree on each entry's offset, name and size.
/// `init` fails only when the input cannot be opened (`ARCHIVE_IO`); everything about the content
/// is reported by `nextEntry`/`readData`. After a failure the reader keeps throwing that failure.
package final class TarReader {
    private let handle: OpaquePointer
    private let feeder: ReadFeeder
    private let limits: ArchiveLimits
    private let dataBuffer: UnsafeMutableRawBufferPointer
    private var phase = Phase.unopened
    private var names = NameRegistry()
    private var entryCount = 0
    private var totalSize: Int64 = 0

    private enum Phase {
        case unopened
        case entry(path: String, size: Int64, delivered: Int64)
        case ended
        case failed(ArchiveError)
    }

    /// Opens a file. Failure to open or read it is `ARCHIVE_IO` (the caller reports "could not
    /// evaluate", not "invalid bundle").
    package convenience init(path: String, limits: ArchiveLimits = .default) throws(ArchiveError) {
        try self.init(source: FileSource(path: path), limits: limits)
    }

    /// Reads an in-memory archive; the reader keeps `bytes` alive while libarchive reads them.
    package convenience init(bytes: [UInt8], limits: ArchiveLimits = .default) throws(ArchiveError) {
        try self.init(source: MemorySource(bytes), limits: limits)
    }

    private init(source: any ByteSource, limits: ArchiveLimits) throws(ArchiveError) {
        guard let handle = archive_read_new() else {
            throw ArchiveError(.library, "archive_read_new failed")
        }
        // Only the tar reader and no decompression filter: compressed input is not a bundle.
        guard archive_read_support_format_tar(handle) == ARCHIVE_OK,
              archive_read_support_filter_none(handle) == ARCHIVE_OK else {
            let reason = Self.message(handle)
            archive_read_free(handle)
            throw ArchiveError(.library, "cannot configure libarchive: \(reason)")
        }
        self.handle = handle
        self.feeder = ReadFeeder(source: source)
        self.limits = limits
        self.dataBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ReadFeeder.chunkSize, alignment: 16)
    }

    deinit {
        archive_read_free(handle)  // before the feeder it calls back into is released
        dataBuffer.deallocate()
    }

    // MARK: Entries

    /// The next regular-file entry, after every header rule; nil after a valid end of archive
    /// (end marker, then only zero padding up to the record boundary).
    package func nextEntry() throws(ArchiveError) -> TarEntry? {
        switch phase {
        case .failed(let error): throw error
        case .ended: return nil
        case .unopened, .entry: break
        }
        do throws(ArchiveError) {
            let entry = try advance()
            phase = entry.map { .entry(path: $0.path, size: $0.size, delivered: 0) } ?? .ended
            return entry
        } catch {
            phase = .failed(error)
            throw error
        }
    }

    private func advance() throws(ArchiveError) -> TarEntry? {
        if case .unopened = phase {
            let client = Unmanaged.passUnretained(feeder).toOpaque()
            let rc = archive_read_open(handle, client, nil, feederReadCallback, nil)
            guard rc == ARCHIVE_OK else { throw explain(rc, "cannot open the archive") }
        }
        var entryPointer: OpaquePointer?
        let rc = archive_read_next_header(handle, &entryPointer)
        if rc == ARCHIVE_EOF { return try finishArchive() }
        guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN else { throw explain(rc, "cannot read a header") }
        guard let entry = entryPointer, let audited = feeder.popEntry() else {
            throw explain(rc, "libarchive returned a header the audit did not see")
        }
        // The name first: libarchive reads a name ending in '/' as a directory and cuts a pax
        // name at a NUL, and the name rules give those their own codes.
        let path: String
        do throws(ArchiveError) {
            path = try PathRules.validate(audited.path, maxBytes: limits.maxPathBytes)
        } catch {
            throw ArchiveError(error.code, path: error.path, offset: audited.headerOffset, error.reason)
        }
        let libraryPath = Self.bytes(archive_entry_pathname(entry))
        guard rc == ARCHIVE_OK || Self.isLocaleConversionWarning(audited, libraryPath: libraryPath) else {
            throw ArchiveError(.library, path: path, offset: audited.headerOffset, "libarchive warning: \(Self.message(handle))")
        }
        try checkType(entry, at: audited.headerOffset)
        try checkAgreement(entry, audited, libraryPath: libraryPath)
        return try admit(audited, path: path)
    }

    /// libarchive converts pax (UTF-8) names to the process locale; in the C locale that fails for
    /// non-ASCII names with ARCHIVE_WARN although the raw bytes are kept. We never use the locale
    /// form, so this warning alone is accepted, and only when the name libarchive kept is exactly
    /// the bytes the audit read.
    private static func isLocaleConversionWarning(_ audited: TarStreamAudit.Entry, libraryPath: [UInt8]?) -> Bool {
        audited.hasNonASCIIText && libraryPath == audited.path
    }

    /// The same type rules as the audit, on libarchive's reading of the entry.
    private func checkType(_ entry: OpaquePointer, at offset: Int64) throws(ArchiveError) {
        let fileType = archive_entry_filetype(entry) & 0o170000
        guard archive_entry_hardlink(entry) == nil else {
            throw ArchiveError(.link, offset: offset, "libarchive reports a hard link")
        }
        guard archive_entry_symlink(entry) == nil, fileType != 0o120000 else {
            throw ArchiveError(.link, offset: offset, "libarchive reports a symbolic link")
        }
        guard fileType != 0o040000 else {
            throw ArchiveError(.directory, offset: offset, "libarchive reports a directory")
        }
        guard ![0o020000, 0o060000, 0o010000, 0o140000].contains(fileType) else {
            throw ArchiveError(.specialFile, offset: offset, "libarchive reports a device, FIFO or socket")
        }
        guard fileType == 0o100000 else {
            throw ArchiveError(.entryType, offset: offset, "libarchive reports file type \(String(fileType, radix: 8))")
        }
        guard archive_entry_sparse_count(entry) == 0 else {
            throw ArchiveError(.sparse, offset: offset, "libarchive reports a sparse map")
        }
        guard archive_entry_xattr_count(entry) == 0 else {
            throw ArchiveError(.paxKeyword, offset: offset, "libarchive reports extended attributes")
        }
    }

    /// libarchive and the audit must have read the same entry.
    private func checkAgreement(_ entry: OpaquePointer, _ audited: TarStreamAudit.Entry, libraryPath: [UInt8]?) throws(ArchiveError) {
        let position = archive_read_header_position(handle)
        guard position == audited.headerOffset,
              archive_entry_size_is_set(entry) != 0,
              archive_entry_size(entry) == audited.size,
              libraryPath == audited.path else {
            throw ArchiveError(
                .library, offset: audited.headerOffset,
                "libarchive and the header audit disagree (offset \(position), size \(archive_entry_size(entry)) vs \(audited.size), name \(ArchiveError.quoted(libraryPath ?? [])) vs \(ArchiveError.quoted(audited.path)))"
            )
        }
    }

    /// Duplicates, collisions and limits, in archive order.
    private func admit(_ audited: TarStreamAudit.Entry, path: String) throws(ArchiveError) -> TarEntry {
        let offset = audited.headerOffset
        entryCount += 1
        guard entryCount <= limits.maxEntries else {
            throw ArchiveError(.tooManyEntries, path: path, offset: offset, "more than \(limits.maxEntries) entries")
        }
        do throws(ArchiveError) {
            try names.insert(audited.path, name: path)
        } catch {
            throw ArchiveError(error.code, path: error.path, offset: offset, error.reason)
        }
        guard audited.size <= limits.maxEntrySize else {
            throw ArchiveError(.entryTooLarge, path: path, offset: offset, "entry is \(audited.size) bytes; the limit is \(limits.maxEntrySize)")
        }
        let (sum, overflow) = totalSize.addingReportingOverflow(audited.size)
        totalSize = sum
        guard !overflow, totalSize <= limits.maxTotalSize else {
            throw ArchiveError(.tooLarge, path: path, offset: offset, "entries total more than \(limits.maxTotalSize) bytes")
        }
        return TarEntry(path: path, size: audited.size)
    }

    /// libarchive saw the end marker: the rest of the input must be legal padding.
    private func finishArchive() throws(ArchiveError) -> TarEntry? {
        feeder.drain()
        if let failure = feeder.failure { throw failure }
        guard feeder.audit.isFinished, !feeder.audit.hasPendingEntries else {
            throw ArchiveError(.library, "libarchive ended the archive where the header audit did not")
        }
        return nil
    }

    /// Turns a libarchive failure into an error: the audit's or the input's own failure explains
    /// it when there is one (libarchive only stops because its input was cut); otherwise it is a
    /// libarchive complaint the audit did not anticipate.
    private func explain(_ rc: Int32, _ context: String) -> ArchiveError {
        if let failure = feeder.failure { return failure }
        return ArchiveError(.library, "\(context): libarchive returned \(rc): \(Self.message(handle))")
    }

    // MARK: Data

    /// Streams the current entry's data in chunks of at most 64 KiB. Rethrows `body`'s errors
    /// (the reader stays usable); archive problems throw `ArchiveError` and end the reader.
    package func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while let chunk = try nextChunk() {
            try body(chunk)
        }
    }

    /// The whole current entry; refuses an entry larger than `limit` before reading it.
    package func readAll(limit: Int) throws(ArchiveError) -> [UInt8] {
        guard case .entry(let path, let size, let delivered) = phase else {
            _ = try nextChunk()  // throws the stored failure or the misuse error
            return []
        }
        guard size <= Int64(limit) else {
            throw ArchiveError(.entryTooLarge, path: path, "entry is \(size) bytes; this read allows \(limit)")
        }
        var bytes: [UInt8] = []
        // Grow with the data actually read: a declared size alone must not allocate memory.
        bytes.reserveCapacity(Int(min(size - delivered, 1 << 20)))
        while let chunk = try nextChunk() {
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// The next chunk of the current entry (valid until the next call), nil at its end.
    private func nextChunk() throws(ArchiveError) -> UnsafeRawBufferPointer? {
        guard case .entry(let path, let size, let delivered) = phase else {
            if case .failed(let error) = phase { throw error }
            throw ArchiveError(.misuse, "no current entry: call nextEntry() first")
        }
        guard delivered < size else { return nil }
        let count = archive_read_data(handle, dataBuffer.baseAddress, dataBuffer.count)
        let failure: ArchiveError
        if count > 0, Int64(count) <= size - delivered {
            phase = .entry(path: path, size: size, delivered: delivered + Int64(count))
            return UnsafeRawBufferPointer(rebasing: dataBuffer[0..<count])
        } else if count < 0 {
            failure = explain(Int32(truncatingIfNeeded: count), "cannot read entry data")
        } else if count == 0 {
            failure = feeder.failure ?? ArchiveError(.truncated, path: path, "entry data ends after \(delivered) of \(size) bytes")
        } else {
            failure = ArchiveError(.library, path: path, "libarchive returned more data than the entry size")
        }
        phase = .failed(failure)
        throw failure
    }

    // MARK: C helpers

    private static func message(_ handle: OpaquePointer) -> String {
        archive_error_string(handle).map { String(cString: $0) } ?? "no message"
    }

    private static func bytes(_ text: UnsafePointer<CChar>?) -> [UInt8]? {
        guard let text else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while text[index] != 0 {  // libarchive strings are NUL-terminated
            bytes.append(UInt8(bitPattern: text[index]))
            index += 1
        }
        return bytes
    }
}
