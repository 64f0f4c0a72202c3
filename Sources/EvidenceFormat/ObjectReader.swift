import EvidenceCrypto
import StrictJSON

/// Reads one JSON object of the format strictly: the member set must be exactly the one the format
/// defines (no member missing, none extra), and every accessor checks the JSON type, the range and
/// the character repertoire of its value.
package struct ObjectReader {
    package let object: JSONObject
    /// The member path of this object, prefixed to every reported field.
    package let path: String

    /// - Parameters:
    ///   - members: the complete member set of this kind of object.
    ///   - type: for top-level objects, the kind required here. Its `type` member is judged before
    ///     the member set, so that an object of another kind fails as FORMAT_WRONG_TYPE (the reason
    ///     that matters) rather than by its members.
    package init(_ value: JSONValue, path: String = "", members: [String], type: ObjectType? = nil) throws(FormatError) {
        guard case .object(let object) = value else {
            throw FormatError(.notObject, field: path, "expected a JSON object")
        }
        if let type, case .string(let name)? = object["type"] {
            guard let found = ObjectType(rawValue: name) else {
                throw FormatError(.unknownType, field: Self.join(path, "type"), "unknown object type \"\(name)\"")
            }
            guard found == type else {
                throw FormatError(.wrongType, field: Self.join(path, "type"), "expected \"\(type.rawValue)\", found \"\(name)\"")
            }
        }
        // Exact byte comparison of names: Swift String equality is canonical equivalence.
        let allowed = members.map { Array($0.utf8) }
        for name in object.names where !allowed.contains(Array(name.utf8)) {
            throw FormatError(.unknownMember, field: Self.join(path, name), "member is not defined for this object")
        }
        for name in members where object[name] == nil {
            throw FormatError(.missingMember, field: Self.join(path, name), "required member is missing")
        }
        self.object = object
        self.path = path
    }

    static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    package func field(_ name: String) -> String { Self.join(path, name) }

    package func value(_ name: String) throws(FormatError) -> JSONValue {
        guard let v = object[name] else {
            throw FormatError(.missingMember, field: field(name), "required member is missing")
        }
        return v
    }

    /// Checks the `type` and `version` members of a top-level object.
    package func expectType(_ type: ObjectType) throws(FormatError) {
        let name = try string("type", repertoire: .token)
        guard let found = ObjectType(rawValue: name) else {
            throw FormatError(.unknownType, field: field("type"), "unknown object type \"\(name)\"")
        }
        guard found == type else {
            throw FormatError(.wrongType, field: field("type"), "expected \"\(type.rawValue)\", found \"\(name)\"")
        }
        let version = try int("version", min: 0, max: Int64(Int32.max))
        guard version == 1 else {
            throw FormatError(.version, field: field("version"), "unsupported version \(version); this verifier knows version 1")
        }
    }

    package func string(_ name: String, repertoire: Repertoire, maxBytes: Int = 128) throws(FormatError) -> String {
        guard case .string(let s) = try value(name) else {
            throw FormatError(.memberType, field: field(name), "expected a string")
        }
        try repertoire.check(s, field: field(name), maxBytes: maxBytes)
        return s
    }

    package func optionalString(_ name: String, repertoire: Repertoire, maxBytes: Int = 128) throws(FormatError) -> String? {
        if case .null = try value(name) { return nil }
        return try string(name, repertoire: repertoire, maxBytes: maxBytes)
    }

    package func int(_ name: String, min: Int64, max: Int64 = maxSafeInteger) throws(FormatError) -> Int64 {
        guard case .number(let n) = try value(name), case .integer(let i) = n else {
            throw FormatError(.memberType, field: field(name), "expected an integer")
        }
        guard i >= min, i <= max else {
            throw FormatError(.value, field: field(name), "\(i) is outside \(min)...\(max)")
        }
        return i
    }

    package func hash(_ name: String) throws(FormatError) -> Hash256 {
        // The length is judged by the hex decoder (ENC_HEX_LENGTH), as in proof paths; the 1 KiB
        // bound only keeps the error message small.
        let s = try string(name, repertoire: .any, maxBytes: 1024)
        return try Self.parseHash(s, field: field(name))
    }

    package func optionalHash(_ name: String) throws(FormatError) -> Hash256? {
        if case .null = try value(name) { return nil }
        return try hash(name)
    }

    static func parseHash(_ s: String, field: String) throws(FormatError) -> Hash256 {
        let bytes: [UInt8]
        do {
            bytes = try Hex.decodeStrict(s, expectedBytes: Hash256.byteCount)
        } catch {
            throw FormatError(rawCode: error.code.rawValue, field: field, error.reason)
        }
        guard let h = Hash256(bytes: bytes) else {
            throw FormatError(.value, field: field, "a hash is 32 bytes")
        }
        return h
    }

    package func base64url(_ name: String, maxBytes: Int) throws(FormatError) -> [UInt8] {
        // base64url of maxBytes bytes is at most ceil(maxBytes * 4 / 3) characters.
        let s = try string(name, repertoire: .any, maxBytes: (maxBytes * 4 + 2) / 3)
        do {
            return try Base64URL.decode(s)
        } catch {
            throw FormatError(rawCode: error.code.rawValue, field: field(name), error.reason)
        }
    }

    package func object(_ name: String, members: [String]) throws(FormatError) -> ObjectReader {
        try ObjectReader(try value(name), path: field(name), members: members)
    }

    package func array(_ name: String, maxCount: Int) throws(FormatError) -> [JSONValue] {
        guard case .array(let items) = try value(name) else {
            throw FormatError(.memberType, field: field(name), "expected an array")
        }
        guard items.count <= maxCount else {
            throw FormatError(.value, field: field(name), "more than \(maxCount) elements")
        }
        return items
    }

    package func stringArray(_ name: String, repertoire: Repertoire, maxCount: Int) throws(FormatError) -> [String] {
        var out: [String] = []
        for (i, item) in try array(name, maxCount: maxCount).enumerated() {
            guard case .string(let s) = item else {
                throw FormatError(.memberType, field: "\(field(name))[\(i)]", "expected a string")
            }
            try repertoire.check(s, field: "\(field(name))[\(i)]", maxBytes: 128)
            out.append(s)
        }
        try requireStrictlySorted(out.map { Array($0.utf8) }, field: field(name))
        return out
    }

    /// A profile name; an unknown one is FORMAT_UNKNOWN_PROFILE (fail closed).
    package func profile(_ name: String) throws(FormatError) -> Profile {
        let s = try string(name, repertoire: .token)
        guard let p = Profile(rawValue: s) else {
            throw FormatError(.unknownProfile, field: field(name), "unknown profile \"\(s)\"")
        }
        return p
    }

    package func enumeration<E: RawRepresentable>(_ name: String, _: E.Type) throws(FormatError) -> E where E.RawValue == String {
        let s = try string(name, repertoire: .token)
        guard let e = E(rawValue: s) else {
            throw FormatError(.value, field: field(name), "\"\(s)\" is not an allowed value")
        }
        return e
    }
}

/// The largest integer the format accepts: 2^53 − 1, exact in every JSON implementation.
package let maxSafeInteger: Int64 = (1 << 53) - 1

/// Lists that are sets are stored sorted by their byte-wise key, with no duplicates.
package func requireStrictlySorted(_ keys: [[UInt8]], field: String) throws(FormatError) {
    for i in keys.indices.dropFirst() where !keys[i - 1].lexicographicallyPrecedes(keys[i]) {
        throw FormatError(.order, field: "\(field)[\(i)]", "must be sorted by bytes and unique")
    }
}

/// The character repertoires of string members.
package enum Repertoire: Sendable {
    /// 1…maxBytes of `A-Z a-z 0-9 . _ : / -`: identifiers, names, reason codes.
    case token
    /// 1…maxBytes of printable ASCII (0x21…0x7E): URLs, mesh identities.
    case printable
    /// Any string up to maxBytes UTF-8 bytes (further checked by the caller, e.g. hex or base64url).
    case any

    func check(_ s: String, field: String, maxBytes: Int) throws(FormatError) {
        let utf8 = s.utf8
        guard utf8.count <= maxBytes else {
            throw FormatError(.value, field: field, "longer than \(maxBytes) bytes")
        }
        switch self {
        case .any:
            return
        case .token:
            guard !utf8.isEmpty, utf8.allSatisfy(Self.isTokenByte) else {
                throw FormatError(.value, field: field, "must be 1 to \(maxBytes) characters of A-Z a-z 0-9 . _ : / -")
            }
        case .printable:
            guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
                throw FormatError(.value, field: field, "must be 1 to \(maxBytes) printable ASCII characters without spaces")
            }
        }
    }

    /// The token repertoire: `A-Z a-z 0-9 . _ : / -` (also what the Portal accepts for session ids).
    package static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
