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
        if let type, case .string(let name)? = object.members.first(where: { sameNameBytes($0.name, "type") })?.value {
            guard let found = ObjectType(rawValue: name) else {
                throw FormatError(.unknownType, field: Self.join(path, "type"), "unknown object type \"\(name)\"")
            }
            guard found == type else {
                throw FormatError(.wrongType, field: Self.join(path, "type"), "expected \"\(type.rawValue)\", found \"\(name)\"")
            }
        }
        // Exact byte comparison of names: Swift String equality is canonical equivalence.
        // Every member of the object must be defined (the first one in object order that is not
        // is reported); then every defined member must be present (the first missing one in the
        // order of `members` is reported). `present` marks the defined members seen in the
        // object; one not marked is looked up again, which keeps the result exact even for a
        // member list with repeated names.
        var present: UInt64 = 0
        let trackable = members.count <= 64
        for member in object.members {
            var k = 0
            while k < members.count, !sameNameBytes(member.name, members[k]) { k += 1 }
            guard k < members.count else {
                throw FormatError(.unknownMember, field: Self.join(path, member.name), "member is not defined for this object")
            }
            if trackable { present |= 1 << UInt64(k) }
        }
        for (k, name) in members.enumerated() where !(trackable && present & (1 << UInt64(k)) != 0) {
            guard object[name] != nil else {
                throw FormatError(.missingMember, field: Self.join(path, name), "required member is missing")
            }
        }
        self.object = object
        self.path = path
    }

    static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    package func field(_ name: String) -> String { Self.join(path, name) }

    package func value(_ name: String) throws(FormatError) -> JSONValue {
        // The same exact-bytes lookup as `JSONObject[name]`, with a length check first.
        for member in object.members where sameNameBytes(member.name, name) {
            return member.value
        }
        throw FormatError(.missingMember, field: field(name), "required member is missing")
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

    /// The longest string member, in bytes, unless an accessor is told otherwise.
    package static let defaultMaxStringBytes = 128

    package func string(_ name: String, repertoire: Repertoire, maxBytes: Int = defaultMaxStringBytes) throws(FormatError) -> String {
        guard case .string(let s) = try value(name) else {
            throw FormatError(.memberType, field: field(name), "expected a string")
        }
        try repertoire.check(s, field: field(name), maxBytes: maxBytes)
        return s
    }

    package func optionalString(_ name: String, repertoire: Repertoire, maxBytes: Int = defaultMaxStringBytes) throws(FormatError) -> String? {
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

    static func parseHash(_ s: String, field: @autoclosure () -> String) throws(FormatError) -> Hash256 {
        // The common case, 64 lowercase hex digits, decoded in place; anything else goes through
        // the strict decoder, which reports exactly what is wrong.
        if let h = FastDecode.hash(s) { return h }
        let bytes: [UInt8]
        do {
            bytes = try Hex.decodeStrict(s, expectedBytes: Hash256.byteCount)
        } catch {
            throw FormatError(rawCode: error.code.rawValue, field: field(), error.reason)
        }
        guard let h = Hash256(bytes: bytes) else {
            throw FormatError(.value, field: field(), "a hash is 32 bytes")
        }
        return h
    }

    package func base64url(_ name: String, maxBytes: Int) throws(FormatError) -> [UInt8] {
        // base64url of maxBytes bytes is at most ceil(maxBytes * 4 / 3) characters.
        let s = try string(name, repertoire: .any, maxBytes: (maxBytes * 4 + 2) / 3)
        if let bytes = FastDecode.base64url(s) { return bytes }
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

    func check(_ s: String, field: @autoclosure () -> String, maxBytes: Int) throws(FormatError) {
        let utf8 = s.utf8
        guard utf8.count <= maxBytes else {
            throw FormatError(.value, field: field(), "longer than \(maxBytes) bytes")
        }
        switch self {
        case .any:
            return
        case .token:
            let tokens = utf8.withContiguousStorageIfAvailable { $0.allSatisfy(Self.isTokenByte) } ?? utf8.allSatisfy(Self.isTokenByte)
            guard !utf8.isEmpty, tokens else {
                throw FormatError(.value, field: field(), "must be 1 to \(maxBytes) characters of A-Z a-z 0-9 . _ : / -")
            }
        case .printable:
            guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
                throw FormatError(.value, field: field(), "must be 1 to \(maxBytes) printable ASCII characters without spaces")
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

/// Name equality by exact UTF-8 bytes, as `JSONObject.sameName`, tuned for the short names of
/// the format (member lookups dominate decoding). Three exact shortcuts first: two strings with
/// the same in-memory representation are the same string (a parsed short name and the literal
/// it is looked up by are both stored inline, byte for byte); strings of different UTF-8 lengths
/// differ; strings that Swift's `==` (canonical equivalence, implied by byte equality) calls
/// different differ. Only a `==` match between different representations is compared bytewise.
@inline(__always)
func sameNameBytes(_ a: String, _ b: String) -> Bool {
    if sameRepresentation(a, b) { return true }
    guard a.utf8.count == b.utf8.count, a == b else { return false }
    return sameBytes(a.utf8, b.utf8)
}

@inline(__always)
private func sameRepresentation(_ a: String, _ b: String) -> Bool {
    withUnsafeBytes(of: a) { x in
        withUnsafeBytes(of: b) { y in
            guard x.count == 16, y.count == 16 else { return false }
            return x.loadUnaligned(as: UInt64.self) == y.loadUnaligned(as: UInt64.self)
                && x.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        }
    }
}

func sameBytes(_ x: String.UTF8View, _ y: String.UTF8View) -> Bool {
    guard x.count == y.count else { return false }
    let contiguous: Bool? = x.withContiguousStorageIfAvailable { xb in
        y.withContiguousStorageIfAvailable { yb in
            var k = 0
            while k < xb.count {
                guard xb[k] == yb[k] else { return false }
                k += 1
            }
            return true
        }
    } ?? nil
    return contiguous ?? x.elementsEqual(y)
}

/// Decoders for the well-formed common case only: nil for anything they do not accept, in which
/// case the caller runs the strict decoder, whose result (value or error) stands. What they do
/// accept decodes exactly as the strict decoders do (Tests/VerifierTests/CanonicalFastPathTests).
/// Each takes a `String` (the object reader's values) or the raw bytes of one (the receipt line
/// decoder, which reads straight from the line).
enum FastDecode {
    /// Exactly 64 lowercase hex digits.
    static func hash(_ s: String) -> Hash256? {
        guard s.utf8.count == 2 * Hash256.byteCount else { return nil }
        return s.utf8.withContiguousStorageIfAvailable { hash(hex: $0) } ?? nil
    }

    /// Exactly 64 lowercase hex digits, as bytes.
    static func hash(hex text: UnsafeBufferPointer<UInt8>) -> Hash256? {
        guard text.count == 2 * Hash256.byteCount else { return nil }
        var bad: UInt8 = 0
        let bytes = hexValues.withUnsafeBufferPointer { table in
            // An entry for every byte value: every lookup below is in bounds.
            precondition(table.count == 256, "FastDecode: the hex table covers every byte")
            return [UInt8](unsafeUninitializedCapacity: Hash256.byteCount) { buffer, initialized in
                for k in 0..<Hash256.byteCount {
                    let hi = table[Int(text[2 * k])]
                    let lo = table[Int(text[2 * k + 1])]
                    bad |= hi | lo
                    buffer[k] = hi << 4 | (lo & 0x0F)
                }
                initialized = Hash256.byteCount
            }
        }
        guard bad & 0xF0 == 0 else { return nil }
        return Hash256(bytes: bytes)
    }

    /// `hexValue` of every byte value, looked up rather than computed in the loops above.
    private static let hexValues: [UInt8] = (0...255).map { hexValue(UInt8($0)) }

    /// 0...15 for `0-9 a-f`, 0xFF for every other byte (uppercase included).
    private static func hexValue(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        default: return 0xFF
        }
    }

    /// Unpadded base64url whose length is not 1 mod 4 and whose unused trailing bits are zero.
    static func base64url(_ s: String) -> [UInt8]? {
        s.utf8.withContiguousStorageIfAvailable { base64url(text: $0) } ?? nil
    }

    /// `base64url(_:)` of the string with these bytes.
    static func base64url(text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let n = text.count
        let remainder = n % 4
        guard remainder != 1 else { return nil }
        let outCount = n / 4 * 3 + (remainder == 0 ? 0 : remainder - 1)
        var ok = true
        let out = sextets.withUnsafeBufferPointer { table in
            // An entry for every byte value: every lookup below is in bounds.
            precondition(table.count == 256, "FastDecode: the base64url table covers every byte")
            return [UInt8](unsafeUninitializedCapacity: outCount) { buffer, initialized in
                func sextet(_ k: Int) -> UInt8 { table[Int(text[k])] }
                var i = 0
                var o = 0
                var bad: UInt8 = 0
                while i + 4 <= n {
                    let a = sextet(i), b = sextet(i + 1), c = sextet(i + 2), d = sextet(i + 3)
                    bad |= a | b | c | d
                    let v = UInt32(a & 0x3F) << 18 | UInt32(b & 0x3F) << 12 | UInt32(c & 0x3F) << 6 | UInt32(d & 0x3F)
                    buffer[o] = UInt8(truncatingIfNeeded: v >> 16)
                    buffer[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    buffer[o + 2] = UInt8(truncatingIfNeeded: v)
                    i += 4
                    o += 3
                }
                switch remainder {
                case 2:
                    let a = sextet(i), b = sextet(i + 1)
                    bad |= a | b
                    if b & 0x0F != 0 { ok = false }
                    buffer[o] = (a & 0x3F) << 2 | (b & 0x3F) >> 4
                case 3:
                    let a = sextet(i), b = sextet(i + 1), c = sextet(i + 2)
                    bad |= a | b | c
                    if c & 0x03 != 0 { ok = false }
                    buffer[o] = (a & 0x3F) << 2 | (b & 0x3F) >> 4
                    buffer[o + 1] = (b & 0x3F) << 4 | (c & 0x3F) >> 2
                default:
                    break
                }
                if bad & 0x40 != 0 { ok = false }
                initialized = outCount
            }
        }
        return ok ? out : nil
    }

    /// `sextet` of every byte value, looked up rather than computed in the loops above.
    private static let sextets: [UInt8] = (0...255).map { sextet(UInt8($0)) }

    /// 0...63 for the base64url alphabet, 0x40 for every other byte.
    private static func sextet(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c &- UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c &- UInt8(ascii: "a") &+ 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0") &+ 52
        case UInt8(ascii: "-"): return 62
        case UInt8(ascii: "_"): return 63
        default: return 0x40
        }
    }
}
