/// Bounds applied while reading a bundle. Every one is checked before the bytes it bounds are read.
package struct ArchiveLimits: Sendable {
    /// Most regular-file entries in one archive.
    package var maxEntries: Int
    /// Largest declared size of one entry, in bytes (receipts.jsonl can be big).
    package var maxEntrySize: Int64
    /// Largest sum of declared entry sizes, in bytes.
    package var maxTotalSize: Int64
    /// Longest entry path, in UTF-8 bytes.
    package var maxPathBytes: Int

    package init(
        maxEntries: Int = 1 << 20,
        maxEntrySize: Int64 = 1 << 32,
        maxTotalSize: Int64 = 1 << 34,
        maxPathBytes: Int = 255
    ) {
        self.maxEntries = maxEntries
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
        self.maxPathBytes = maxPathBytes
    }

    package static let `default` = ArchiveLimits()
}

/// One regular file of a bundle, as announced by its header. `path` passed every name rule.
package struct TarEntry: Sendable, Equatable {
    package let path: String
    package let size: Int64

    package init(path: String, size: Int64) {
        self.path = path
        self.size = size
    }
}
