/// The JSON Canonicalization Scheme, RFC 8785.
///
/// - Whitespace: none (§3.2.1).
/// - Literals: `null`, `true`, `false` (§3.2.2.1).
/// - Strings (§3.2.2.2): `"` and `\` as `\"` and `\\`; U+0008, U+0009, U+000A, U+000C, U+000D as
///   `\b`, `\t`, `\n`, `\f`, `\r`; every other code point below U+0020 as `\u00xx` with lowercase
///   hex; everything else, `/`, DEL, U+2028 and U+2029 included, as its UTF-8 bytes.
/// - Numbers (§3.2.2.3): ECMAScript `Number::toString` (see `ECMAScriptNumber`). `.integer`
///   values within ±(2^53−1), which is every integer the parser produces, print as plain
///   decimal, which is what ECMAScript prints for them; a larger `.integer` built in code is
///   formatted as the double nearest to it, as RFC 8785 demands of any number.
/// - Objects (§3.2.3): members sorted by their names' UTF-16 code units, compared as unsigned
///   integers, locale-independent; arrays keep their order.
///
/// NaN and ±Infinity cannot occur in parsed values (the parser rejects their literals and any
/// literal beyond the double range); neither can duplicate member names. Values built in code
/// must keep both rules: `canonicalize` stops the program (precondition) on a non-finite double
/// or a duplicate name, because RFC 8785 gives them no canonical form and writing anything would
/// sign or hash bytes that no verifier accepts.
package enum JCS {
    package static func canonicalize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    /// ECMAScript `Number.prototype.toString()` of `d`: nil for NaN and ±Infinity, "0" for −0.
    package static func formatNumber(_ d: Double) -> String? {
        ECMAScriptNumber.format(d)
    }

    /// Parses `bytes`, then requires them to be exactly the canonical form of what they hold.
    /// Throws the parse error, or JSON_NOT_CANONICAL at the first byte that differs from the
    /// canonical form (the canonical length, if one is a prefix of the other).
    ///
    /// Defined by `isCanonicalBySerialization` (parse, canonicalize, compare); canonical input is
    /// accepted in one pass by `parseCanonical`, which defers everything else to that definition.
    package static func isCanonical(
        _ bytes: [UInt8], options: JSONParseOptions = .evidence
    ) throws(JSONError) -> JSONValue {
        try parseCanonical(bytes[...], options: options)
    }

    // MARK: - Writing

    private static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let number): writeNumber(number, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            let sorted = sortedMembers(object)
            out.append(UInt8(ascii: "{"))
            for (i, member) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.name, to: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Members ordered by the UTF-16 code units of their names (RFC 8785 §3.2.3). Members that
    /// are already strictly in that order (every parsed canonical object) are taken as they are.
    static func sortedMembers(_ object: JSONObject) -> [(name: String, value: JSONValue)] {
        let members = object.members
        var inOrder = true
        for i in members.indices.dropFirst() where !utf16Precedes(members[i - 1].name, members[i].name) {
            inOrder = false
            break
        }
        if inOrder { return members }
        let sorted = members.sorted { utf16Precedes($0.name, $1.name) }
        for i in sorted.indices.dropFirst() {
            // Our own invariant, not an input check: parsed objects never hold duplicate names,
            // and code that builds objects must not create them (no canonical form exists).
            precondition(!sorted[i - 1].name.utf16.elementsEqual(sorted[i].name.utf16),
                         "JCS: object has duplicate member names")
        }
        return sorted
    }

    /// a < b by UTF-16 code units, read off the UTF-8 bytes where they are at hand.
    static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        let fast: Bool? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in utf16Less(x, y) }
        } ?? nil
        return fast ?? a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    private static func writeNumber(_ number: JSONNumber, to out: inout [UInt8]) {
        switch number {
        case .integer(let i) where i.magnitude <= JSONNumber.maxSafeInteger.magnitude:
            out.append(contentsOf: String(i).utf8)
        case .integer(let i):
            writeDouble(Double(i), to: &out)
        case .double(let d):
            writeDouble(d, to: &out)
        }
    }

    private static func writeDouble(_ d: Double, to out: inout [UInt8]) {
        // Our own invariant: the parser never yields NaN or ±Infinity, and code that builds values
        // must not; RFC 8785 §3.2.2.3 gives them no serialization.
        guard let text = ECMAScriptNumber.format(d) else {
            preconditionFailure("JCS: NaN and Infinity have no canonical form")
        }
        out.append(contentsOf: text.utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// RFC 8785 §3.2.2.2, byte by byte over the UTF-8 form: only ASCII bytes are ever escaped, and
    /// bytes of multi-byte sequences are all ≥ 0x80, so they are copied unchanged (in runs).
    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var run = 0
            for k in utf8.indices {
                let b = utf8[k]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<k]))
                writeEscape(b, to: &out)
                run = k + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ b: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        default:
            out.append(UInt8(ascii: "u"))
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "0"))
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
    }
}
