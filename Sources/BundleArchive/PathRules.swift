internal import Foundation

/// The name rules shared by the reader and the writer. A bundle path is a relative, normalized,
/// UTF-8 name of a regular file: components separated by single `/`, none of them empty, `.` or
/// `..`. Each rule is one guard with its own code, checked in the order written here.
enum PathRules {
    /// Validates `bytes` and returns the name as a String (the exact scalars, not normalized).
    static func validate(_ bytes: [UInt8], maxBytes: Int) throws(ArchiveError) -> String {
        guard !bytes.isEmpty else {
            throw ArchiveError(.pathEmpty, "entry name is empty")
        }
        guard bytes.count <= maxBytes else {
            throw ArchiveError(.pathTooLong, "entry name \(ArchiveError.quoted(bytes)) is \(bytes.count) bytes; the limit is \(maxBytes)")
        }
        guard let name = String(validating: bytes, as: UTF8.self) else {
            throw ArchiveError(.pathEncoding, "entry name \(ArchiveError.quoted(bytes)) is not valid UTF-8")
        }
        guard !name.unicodeScalars.contains(where: isControl) else {
            throw ArchiveError(.pathControl, path: name, "entry name contains a NUL or control character")
        }
        guard !bytes.contains(UInt8(ascii: "\\")) else {
            throw ArchiveError(.pathBackslash, path: name, "entry name contains a backslash")
        }
        guard bytes[0] != UInt8(ascii: "/") else {
            throw ArchiveError(.pathAbsolute, path: name, "entry name is an absolute path")
        }
        guard bytes[bytes.count - 1] != UInt8(ascii: "/") else {
            throw ArchiveError(.pathTrailingSlash, path: name, "entry name ends with '/'")
        }
        let components = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !components.contains(where: { $0.elementsEqual([0x2E, 0x2E]) }) else {
            throw ArchiveError(.pathTraversal, path: name, "entry name has a '..' component")
        }
        guard !components.contains(where: { $0.elementsEqual([0x2E]) }) else {
            throw ArchiveError(.pathDotComponent, path: name, "entry name has a '.' component")
        }
        guard !components.contains(where: { $0.isEmpty }) else {
            throw ArchiveError(.pathEmptyComponent, path: name, "entry name has an empty component ('//')")
        }
        return name
    }

    /// C0 controls, DEL and C1 controls (U+0080…U+009F).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The key under which two names collide: canonical decomposition, then a caseless mapping
    /// (upper- then lower-casing, which also folds ß/SS, ſ/s, final sigma), then decomposition
    /// again. Swift `String` equality and hashing are by canonical equivalence, so the Set that
    /// holds these keys also equates NFC and NFD spellings. The mapping is deliberately broad:
    /// a false collision rejects a bundle our own writer would never produce.
    static func collisionKey(_ name: String) -> String {
        name.decomposedStringWithCanonicalMapping
            .uppercased()
            .lowercased()
            .decomposedStringWithCanonicalMapping
    }
}

/// The names seen so far in one archive: exact bytes for duplicates, folded keys for collisions.
struct NameRegistry {
    private var exact: Set<[UInt8]> = []
    private var folded: [String: String] = [:]  // key -> first name with that key (lookup only)

    mutating func insert(_ bytes: [UInt8], name: String) throws(ArchiveError) {
        guard exact.insert(bytes).inserted else {
            throw ArchiveError(.duplicate, path: name, "entry name appears twice")
        }
        let key = PathRules.collisionKey(name)
        if let earlier = folded[key] {
            throw ArchiveError(
                .nameCollision, path: name,
                "entry name is equal to the earlier \(ArchiveError.quoted(earlier)) under case folding or Unicode normalization"
            )
        }
        folded[key] = name
    }
}
