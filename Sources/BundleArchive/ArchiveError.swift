/// A bundle-archive failure: a stable `code`, the entry path when one is known, the byte offset in
/// the archive when one is known, and a human `reason`. Equality compares the code only, so tests
/// and callers match on codes, never on message text.
package struct ArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    package let code: Code
    package let path: String?
    package let offset: Int64?
    package let reason: String

    package init(_ code: Code, path: String? = nil, offset: Int64? = nil, _ reason: String) {
        self.code = code
        self.path = path
        self.offset = offset
        self.reason = reason
    }

    package static func == (lhs: ArchiveError, rhs: ArchiveError) -> Bool { lhs.code == rhs.code }

    package var description: String {
        var text = "\(code.rawValue): \(reason)"
        if let path { text += " (entry \(Self.quoted(path)))" }
        if let offset { text += " (offset \(offset))" }
        return text
    }

    /// Quotes an untrusted name for a message: printable ASCII kept, everything else escaped.
    static func quoted(_ text: String) -> String { quoted(Array(text.utf8)) }

    static func quoted(_ bytes: [UInt8]) -> String {
        var out = "\""
        for byte in bytes.prefix(300) {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7E: out += String(UnicodeScalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        if bytes.count > 300 { out += "…" }
        return out + "\""
    }

    package enum Code: String, Sendable, CaseIterable {
        // Reading the bytes at all.
        case io = "ARCHIVE_IO"
        case library = "ARCHIVE_LIBRARY"
        case misuse = "ARCHIVE_MISUSE"
        // Framing.
        case format = "ARCHIVE_FORMAT"
        case checksum = "ARCHIVE_CHECKSUM"
        case header = "ARCHIVE_HEADER"
        case truncated = "ARCHIVE_TRUNCATED"
        case trailingData = "ARCHIVE_TRAILING_DATA"
        // Entry types.
        case link = "ARCHIVE_LINK"
        case specialFile = "ARCHIVE_SPECIAL_FILE"
        case directory = "ARCHIVE_DIRECTORY"
        case sparse = "ARCHIVE_SPARSE"
        case gnuLongName = "ARCHIVE_GNU_LONG_NAME"
        case entryType = "ARCHIVE_ENTRY_TYPE"
        // pax extended headers.
        case paxGlobal = "ARCHIVE_PAX_GLOBAL"
        case paxKeyword = "ARCHIVE_PAX_KEYWORD"
        case paxMalformed = "ARCHIVE_PAX_MALFORMED"
        // Names.
        case pathEmpty = "ARCHIVE_PATH_EMPTY"
        case pathTooLong = "ARCHIVE_PATH_TOO_LONG"
        case pathEncoding = "ARCHIVE_PATH_ENCODING"
        case pathControl = "ARCHIVE_PATH_CONTROL"
        case pathBackslash = "ARCHIVE_PATH_BACKSLASH"
        case pathAbsolute = "ARCHIVE_PATH_ABSOLUTE"
        case pathTrailingSlash = "ARCHIVE_PATH_TRAILING_SLASH"
        case pathTraversal = "ARCHIVE_PATH_TRAVERSAL"
        case pathDotComponent = "ARCHIVE_PATH_DOT_COMPONENT"
        case pathEmptyComponent = "ARCHIVE_PATH_EMPTY_COMPONENT"
        case duplicate = "ARCHIVE_DUPLICATE"
        case nameCollision = "ARCHIVE_NAME_COLLISION"
        // Limits.
        case entryTooLarge = "ARCHIVE_ENTRY_TOO_LARGE"
        case tooLarge = "ARCHIVE_TOO_LARGE"
        case tooManyEntries = "ARCHIVE_TOO_MANY_ENTRIES"
        // Writer.
        case writeUnsupported = "ARCHIVE_WRITE_UNSUPPORTED"
    }
}
