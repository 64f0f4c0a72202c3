internal import CArchive
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Writes reproducible bundles with libarchive: the same entries in the same order give
/// byte-identical output. Conventions (docs/notes/archive.md):
/// - ustar headers; the pax_restricted format (a pax 'x' header holding only `path`) only when
///   some name does not fit ustar's 100-byte name and 155-byte prefix fields;
/// - type '0', mode 0644, uid/gid 0, empty uname/gname, mtime 0, devmajor/devminor 0;
/// - entries in insertion order, data zero-padded to 512 bytes, two zero blocks, the whole output
///   zero-padded to a multiple of 10240 bytes.
/// Every name passes the reader's rules and the default limits, so the reader accepts the output.
package struct TarWriter {
    private var entries: [(path: [UInt8], contents: [UInt8])] = []
    private var names = NameRegistry()
    private var totalSize: Int64 = 0
    private let limits = ArchiveLimits.default

    package init() {}

    package mutating func add(path: String, contents: [UInt8]) throws(ArchiveError) {
        let bytes = Array(path.utf8)
        guard entries.count < limits.maxEntries else {
            throw ArchiveError(.tooManyEntries, path: path, "more than \(limits.maxEntries) entries")
        }
        let name = try PathRules.validate(bytes, maxBytes: limits.maxPathBytes)
        let size = Int64(contents.count)
        guard size <= limits.maxEntrySize else {
            throw ArchiveError(.entryTooLarge, path: name, "entry is \(size) bytes; the limit is \(limits.maxEntrySize)")
        }
        guard totalSize + size <= limits.maxTotalSize else {
            throw ArchiveError(.tooLarge, path: name, "entries total more than \(limits.maxTotalSize) bytes")
        }
        try names.insert(bytes, name: name)
        totalSize += size
        entries.append((bytes, contents))
    }

    /// The archive bytes.
    package func finish() throws(ArchiveError) -> [UInt8] {
        let needsPax = entries.contains { !Self.fitsUstar($0.path) }
        if needsPax, let name = entries.first(where: { $0.path.contains { $0 >= 0x80 } }) {
            // libarchive's pax writer, in the C locale we run in, cannot tell that non-ASCII names
            // are UTF-8 and marks them hdrcharset=BINARY, which the reader refuses.
            throw ArchiveError(
                .writeUnsupported, path: String(decoding: name.path, as: UTF8.self),
                "non-ASCII names cannot be combined with names that need a pax header"
            )
        }
        let sink = WriteSink()
        guard let handle = archive_write_new() else {
            throw ArchiveError(.library, "archive_write_new failed")
        }
        defer { archive_write_free(handle) }
        func check(_ rc: Int32, _ what: String) throws(ArchiveError) {
            guard rc == ARCHIVE_OK else {
                let message = archive_error_string(handle).map { String(cString: $0) } ?? "no message"
                throw ArchiveError(.library, "\(what): libarchive returned \(rc): \(message)")
            }
        }
        try check(needsPax ? archive_write_set_format_pax_restricted(handle) : archive_write_set_format_ustar(handle), "set format")
        try check(archive_write_set_bytes_per_block(handle, Int32(TarStreamAudit.recordSize)), "set block size")
        try check(archive_write_set_bytes_in_last_block(handle, Int32(TarStreamAudit.recordSize)), "set last block size")
        try check(archive_write_open2(handle, Unmanaged.passUnretained(sink).toOpaque(), nil, sinkWriteCallback, nil, nil), "open")

        for (path, contents) in entries {
            guard let entry = archive_entry_new() else {
                throw ArchiveError(.library, "archive_entry_new failed")
            }
            defer { archive_entry_free(entry) }
            (path + [0]).withUnsafeBufferPointer { name in
                name.withMemoryRebound(to: CChar.self) { archive_entry_copy_pathname(entry, $0.baseAddress) }
            }
            archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_size(entry, Int64(contents.count))
            archive_entry_set_uid(entry, 0)
            archive_entry_set_gid(entry, 0)
            archive_entry_set_mtime(entry, 0, 0)
            try check(archive_write_header(handle, entry), "write header for \(ArchiveError.quoted(path))")
            var written = 0
            while written < contents.count {
                let count = contents.withUnsafeBytes { data in
                    archive_write_data(handle, data.baseAddress.map { $0 + written }, contents.count - written)
                }
                guard count > 0 else {
                    try check(Int32(truncatingIfNeeded: min(count, -1)), "write data for \(ArchiveError.quoted(path))")
                    return []  // unreachable: check throws for a non-OK code
                }
                written += count
            }
        }
        try check(archive_write_close(handle), "close")
        guard sink.bytes.count % Int(TarStreamAudit.recordSize) == 0, sink.failed == false else {
            throw ArchiveError(.library, "libarchive wrote \(sink.bytes.count) bytes, not whole records")
        }
        return sink.bytes
    }

    /// Writes `finish()` to a file (created with mode 0644, or truncated). Failure: `ARCHIVE_IO`.
    package func write(to path: String) throws(ArchiveError) {
        let bytes = try finish()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ArchiveError(.io, path: path, "cannot create: \(FileSource.describe(errno))")
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { data in
                posixWrite(descriptor, data.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(descriptor)
                throw ArchiveError(.io, path: path, "write failed: \(FileSource.describe(code))")
            }
            written += count
        }
        guard close(descriptor) == 0 else {
            throw ArchiveError(.io, path: path, "close failed: \(FileSource.describe(errno))")
        }
    }

    /// Whether libarchive's ustar writer can store the name: at most 100 bytes, or split at a '/'
    /// into a prefix of at most 155 bytes and a non-empty name of at most 100 bytes.
    static func fitsUstar(_ path: [UInt8]) -> Bool {
        if path.count <= 100 { return true }
        return path.indices.contains { index in
            path[index] == UInt8(ascii: "/") && index <= 155 && path.count - index - 1 <= 100 && index < path.count - 1
        }
    }
}

/// Collects libarchive's output in memory.
final class WriteSink {
    var bytes: [UInt8] = []
    var failed = false
}

/// libarchive's write callback: appends to the `WriteSink` passed as client data.
func sinkWriteCallback(
    _ archive: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ count: Int
) -> la_ssize_t {
    guard let clientData else { return -1 }
    let sink = Unmanaged<WriteSink>.fromOpaque(clientData).takeUnretainedValue()
    guard let buffer else {
        sink.failed = count != 0
        return count == 0 ? 0 : -1
    }
    sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: count))
    return la_ssize_t(count)
}

/// The libc `write`.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
