/// One-pass parsing of RFC 8785 canonical JSON: the fast path of `JCS.isCanonical`.
///
/// `CanonicalScanner` reads the input once and accepts it only if it is, byte for byte, the
/// canonical form of the value it builds: no whitespace; integers as plain decimal (no `-0`);
/// doubles (general mode) exactly as ECMAScript prints them; strings with exactly JCS's escaping
/// (`\"`, `\\`, `\b \t \n \f \r`, `\u00xx` in lowercase hex for the other code points below
/// U+0020, nothing else escaped); object members strictly increasing by the UTF-16 code units of
/// their names (so no duplicates); well-formed UTF-8 inside strings (the only place non-ASCII
/// may appear); every limit of the options. It never reports an error itself: at the first byte
/// it does not accept it gives up (`Bail`), and the caller runs the reference path (parse,
/// canonicalize, compare), whose result, value or error, is the answer. The fast path can
/// therefore only ever make acceptance faster, never change what is accepted or what is thrown,
/// provided that everything it accepts the reference path accepts with an equal value, which
/// the rules above guarantee and Tests/StrictJSONTests/CanonicalFastPathTests.swift checks
/// differentially.
extension JCS {
    /// `isCanonical(Array(bytes), options:)` without the copy, the re-encoding and the comparison
    /// for canonical input: the same accepted inputs, an equal value, the same error (code, offset,
    /// reason) for everything else. Offsets in errors are relative to the start of the slice.
    package static func parseCanonical(
        _ bytes: ArraySlice<UInt8>, options: JSONParseOptions = .evidence
    ) throws(JSONError) -> JSONValue {
        if let fast = scanCanonical(bytes, options: options) { return fast.value }
        return try isCanonicalBySerialization(bytes, options: options)
    }

    /// `parseCanonical`, and also where the top-level member `name` sits in `bytes`: `excluded`
    /// is the range of indices of `bytes` (indices of the slice, not offsets from its start) that
    /// holds the member (`"name":value`) together with one adjacent comma (the one before it, or,
    /// for the first member, the one after it), so that `bytes` without that range is byte for
    /// byte `JCS.canonicalize` of the object without the member. `excluded` is nil when the value
    /// is not an object or has no member of that exact name (compared by UTF-8 bytes).
    package static func parseCanonicalObject(
        _ bytes: ArraySlice<UInt8>, options: JSONParseOptions = .evidence, excluding name: String
    ) throws(JSONError) -> (value: JSONValue, excluded: Range<Int>?) {
        if let fast = scanCanonical(bytes, options: options, excluding: name) { return fast }
        // The reference path decides. Should it accept what the fast path declined (nesting
        // beyond the fast path's recursion bound), the member is located in the verified bytes.
        let value = try isCanonicalBySerialization(bytes, options: options)
        guard case .object(let object) = value, object[name] != nil else { return (value, nil) }
        return (value, CanonicalMemberLocator.range(of: Array(name.utf8), in: bytes))
    }

    /// The one-pass scanner alone: the value (and the range of the top-level member `excluding`,
    /// as in `parseCanonicalObject`) if it accepts `bytes`, nil where it declines. Whatever it
    /// accepts `isCanonicalBySerialization` accepts with an equal value; it declines everything
    /// else and, by design, nesting deeper than 128. For tests and measurements: callers want
    /// `parseCanonical` or `parseCanonicalObject`, which defer to the reference path on nil.
    package static func scanCanonical(
        _ bytes: ArraySlice<UInt8>, options: JSONParseOptions, excluding name: String? = nil
    ) -> (value: JSONValue, excluded: Range<Int>?)? {
        func scan(_ wanted: UnsafeBufferPointer<UInt8>?) -> (value: JSONValue, excluded: Range<Int>?)? {
            bytes.withUnsafeBufferPointer { input in
                var scanner = CanonicalScanner(input, options: options, excluding: wanted)
                guard let value = try? scanner.document() else { return nil }
                let excluded = scanner.excluded.map { (bytes.startIndex + $0.lowerBound)..<(bytes.startIndex + $0.upperBound) }
                return (value, excluded)
            }
        }
        guard var name else { return scan(nil) }
        return name.withUTF8 { scan($0) }
    }

    /// The reference definition of canonical input: parse strictly, write the canonical form of
    /// the value, compare bytes. Throws the parse error, or JSON_NOT_CANONICAL at the first byte
    /// that differs (the shorter length if one is a prefix of the other).
    package static func isCanonicalBySerialization(
        _ bytes: ArraySlice<UInt8>, options: JSONParseOptions = .evidence
    ) throws(JSONError) -> JSONValue {
        let value = try JSONParser.parse(bytes, options: options)
        let canonical = canonicalize(value)
        var i = 0
        let base = bytes.startIndex
        while i < bytes.count, i < canonical.count, bytes[base + i] == canonical[i] { i += 1 }
        guard i == bytes.count, i == canonical.count else {
            throw JSONError(.notCanonical, at: i, "bytes differ from the RFC 8785 canonical form at byte \(i)")
        }
        return value
    }
}

/// The fast path declined the input; the reference path decides.
struct Bail: Error {}

/// Nesting beyond this depth is left to the (iterative) reference parser, so that the recursive
/// fast path stays shallow on any thread's stack.
private let fastPathDepthBound = 128

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")
private let comma = UInt8(ascii: ",")
private let colon = UInt8(ascii: ":")

struct CanonicalScanner {
    private let p: UnsafeBufferPointer<UInt8>
    private let n: Int
    private var i = 0
    private var depth = 0
    private let maxDepth: Int
    private let maxStringBytes: Int
    private let maxMembers: Int
    private let maxElements: Int
    private let maxNumberBytes: Int
    private let maxBytes: Int
    private let integersOnly: Bool
    /// The top-level member name whose range is wanted, as UTF-8.
    private let excludedName: UnsafeBufferPointer<UInt8>?
    /// Offsets (from the start of the input) of that member and one adjacent comma.
    private(set) var excluded: Range<Int>?
    /// Unescaped bytes of the string being read, when it has escapes.
    private var scratch: [UInt8] = []

    init(_ input: UnsafeBufferPointer<UInt8>, options: JSONParseOptions, excluding name: UnsafeBufferPointer<UInt8>?) {
        p = input
        n = input.count
        maxDepth = min(options.effectiveMaxDepth, fastPathDepthBound)
        maxStringBytes = options.maxStringBytes
        maxMembers = options.maxMembers
        maxElements = options.maxElements
        maxNumberBytes = options.maxNumberBytes
        maxBytes = options.maxBytes
        integersOnly = options.integersOnly
        excludedName = name
    }

    mutating func document() throws(Bail) -> JSONValue {
        guard n > 0, n <= maxBytes else { throw Bail() }
        let value = try value()
        guard i == n else { throw Bail() }
        return value
    }

    @inline(__always)
    private func byte(_ k: Int) throws(Bail) -> UInt8 {
        guard k < n else { throw Bail() }
        return p[k]
    }

    private mutating func value() throws(Bail) -> JSONValue {
        switch try byte(i) {
        case UInt8(ascii: "{"): return .object(try object())
        case UInt8(ascii: "["): return .array(try array())
        case quote: return .string(try string().value)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "t"):
            try literal(0x74, 0x72, 0x75, 0x65)  // true
            return .bool(true)
        case UInt8(ascii: "f"):
            guard try byte(i + 4) == UInt8(ascii: "e") else { throw Bail() }
            try literal(0x66, 0x61, 0x6C, 0x73)  // fals
            i += 1
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal(0x6E, 0x75, 0x6C, 0x6C)  // null
            return .null
        default:
            throw Bail()
        }
    }

    private mutating func literal(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) throws(Bail) {
        guard i + 4 <= n, p[i] == a, p[i + 1] == b, p[i + 2] == c, p[i + 3] == d else { throw Bail() }
        i += 4
    }

    // MARK: Containers

    private mutating func array() throws(Bail) -> [JSONValue] {
        depth += 1
        guard depth <= maxDepth else { throw Bail() }
        i += 1
        if try byte(i) == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return []
        }
        var elements: [JSONValue] = []
        while true {
            guard elements.count < maxElements else { throw Bail() }
            elements.append(try value())
            let b = try byte(i)
            i += 1
            if b == comma { continue }
            guard b == UInt8(ascii: "]") else { throw Bail() }
            break
        }
        depth -= 1
        return elements
    }

    private mutating func object() throws(Bail) -> JSONObject {
        depth += 1
        guard depth <= maxDepth else { throw Bail() }
        i += 1
        if try byte(i) == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return JSONObject([])
        }
        var members: [(name: String, value: JSONValue)] = []
        members.reserveCapacity(depth == 1 ? 16 : 4)
        // The previous name's unescaped UTF-8: a range of the input, or a copy if it had escapes.
        var previousStart = 0
        var previousCount = -1
        var previousCopy: [UInt8]? = nil
        while true {
            guard members.count < maxMembers else { throw Bail() }
            guard try byte(i) == quote else { throw Bail() }
            let memberStart = i
            let name = try string()
            if previousCount >= 0 {
                let ordered: Bool
                if let copy = previousCopy {
                    ordered = copy.withUnsafeBufferPointer { prev in precedes(prev, name) }
                } else {
                    ordered = precedes(UnsafeBufferPointer(rebasing: p[previousStart..<previousStart + previousCount]), name)
                }
                guard ordered else { throw Bail() }
            }
            // Is this the member whose range is wanted? (Judged now: `scratch` is reused below.)
            var isExcluded = false
            if depth == 1, let wanted = excludedName {
                isExcluded = name.escaped
                    ? scratch.elementsEqual(wanted)
                    : name.count == wanted.count && inputEquals(at: name.start, wanted)
            }
            if name.escaped {
                previousCopy = scratch
                previousCount = scratch.count
            } else {
                previousCopy = nil
                previousStart = name.start
                previousCount = name.count
            }
            guard try byte(i) == colon else { throw Bail() }
            i += 1
            let value = try value()
            let memberEnd = i
            let b = try byte(i)
            i += 1
            if isExcluded {
                // With one adjacent comma: the one before, else the one after (if any).
                if !members.isEmpty {
                    excluded = (memberStart - 1)..<memberEnd
                } else {
                    excluded = memberStart..<(b == comma ? memberEnd + 1 : memberEnd)
                }
            }
            members.append((name: name.value, value: value))
            if b == comma { continue }
            guard b == UInt8(ascii: "}") else { throw Bail() }
            break
        }
        depth -= 1
        return JSONObject(members)
    }

    /// input[start..<start + other.count] == other (the caller has checked the bounds).
    private func inputEquals(at start: Int, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = 0
        while k < other.count {
            guard p[start + k] == other[k] else { return false }
            k += 1
        }
        return true
    }

    /// `previous` < the name just read, by UTF-16 code units (RFC 8785 §3.2.3), strictly.
    private func precedes(_ previous: UnsafeBufferPointer<UInt8>, _ name: ScannedString) -> Bool {
        if name.escaped {
            return scratch.withUnsafeBufferPointer { utf16Less(previous, $0) }
        }
        return utf16Less(previous, UnsafeBufferPointer(rebasing: p[name.start..<name.start + name.count]))
    }

    // MARK: Strings

    struct ScannedString {
        var value: String
        /// Without escapes, the content is input[start..<start+count]; with escapes, it is in
        /// `scratch` (until the next string is read) and `count` is the escaped length.
        var escaped: Bool
        var start: Int
        var count: Int
    }

    /// A string at `i` (its opening quote); leaves `i` after the closing quote.
    private mutating func string() throws(Bail) -> ScannedString {
        let start = i + 1
        var j = start
        while true {
            // Eight bytes at a time while none of them needs a closer look.
            if let base = p.baseAddress {
                while j + 8 <= n, isPlainASCII(UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)) { j += 8 }
            }
            guard j < n else { throw Bail() }
            let b = p[j]
            if b >= 0x20, b != quote, b != backslash, b < 0x80 {
                j += 1
                continue
            }
            if b == quote {
                let count = j - start
                guard count <= maxStringBytes else { throw Bail() }
                i = j + 1
                let value = String(decoding: UnsafeBufferPointer(rebasing: p[start..<j]), as: UTF8.self)
                return ScannedString(value: value, escaped: false, start: start, count: count)
            }
            if b >= 0x80 {
                j = try utf8Sequence(at: j)
                continue
            }
            if b == backslash {
                return try escapedString(start: start, firstEscape: j)
            }
            throw Bail()  // a control character
        }
    }

    /// The rest of a string that has an escape at `firstEscape`, unescaped into `scratch`.
    private mutating func escapedString(start: Int, firstEscape: Int) throws(Bail) -> ScannedString {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<firstEscape]))
        var j = firstEscape
        while true {
            guard j < n else { throw Bail() }
            let b = p[j]
            if b == quote { break }
            if b == backslash {
                // Exactly JCS's escapes: \" \\ \b \t \n \f \r, and \u00xx (lowercase hex) for the
                // other code points below U+0020.
                let e = try byte(j + 1)
                switch e {
                case quote: scratch.append(quote)
                case backslash: scratch.append(backslash)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "u"):
                    guard j + 6 <= n, p[j + 2] == UInt8(ascii: "0"), p[j + 3] == UInt8(ascii: "0"),
                          let high = lowerHexDigit(p[j + 4]), high <= 1, let low = lowerHexDigit(p[j + 5])
                    else { throw Bail() }
                    let c = high << 4 | low
                    guard c != 0x08, c != 0x09, c != 0x0A, c != 0x0C, c != 0x0D else { throw Bail() }
                    scratch.append(c)
                    j += 6
                    continue
                default:
                    throw Bail()
                }
                j += 2
                continue
            }
            if b >= 0x80 {
                let end = try utf8Sequence(at: j)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[j..<end]))
                j = end
                continue
            }
            guard b >= 0x20 else { throw Bail() }
            scratch.append(b)
            j += 1
        }
        guard scratch.count <= maxStringBytes else { throw Bail() }
        i = j + 1
        return ScannedString(value: String(decoding: scratch, as: UTF8.self), escaped: true, start: start, count: j - start)
    }

    private func lowerHexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// One well-formed multi-byte UTF-8 sequence (Unicode Table 3-7) at `j`; returns its end.
    private func utf8Sequence(at j: Int) throws(Bail) -> Int {
        let b0 = p[j]
        let length: Int
        let secondLow: UInt8
        let secondHigh: UInt8
        switch b0 {
        case 0xC2...0xDF: length = 2; secondLow = 0x80; secondHigh = 0xBF
        case 0xE0: length = 3; secondLow = 0xA0; secondHigh = 0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; secondLow = 0x80; secondHigh = 0xBF
        case 0xED: length = 3; secondLow = 0x80; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90; secondHigh = 0xBF
        case 0xF1...0xF3: length = 4; secondLow = 0x80; secondHigh = 0xBF
        case 0xF4: length = 4; secondLow = 0x80; secondHigh = 0x8F
        default: throw Bail()
        }
        guard j + length <= n else { throw Bail() }
        let b1 = p[j + 1]
        guard b1 >= secondLow, b1 <= secondHigh else { throw Bail() }
        var k = 2
        while k < length {
            guard p[j + k] & 0xC0 == 0x80 else { throw Bail() }
            k += 1
        }
        return j + length
    }

    // MARK: Numbers

    private mutating func number() throws(Bail) -> JSONNumber {
        let start = i
        var j = i
        let negative = p[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        let first = try byte(j)
        var magnitude: UInt64 = 0
        var digits = 0
        if first == UInt8(ascii: "0") {
            j += 1
        } else if first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") {
            while j < n, p[j] >= UInt8(ascii: "0"), p[j] <= UInt8(ascii: "9") {
                if digits < 18 { magnitude = magnitude * 10 + UInt64(p[j] - UInt8(ascii: "0")) }
                digits += 1
                j += 1
            }
        } else {
            throw Bail()
        }
        if j < n, p[j] == UInt8(ascii: ".") || p[j] == UInt8(ascii: "e") || p[j] == UInt8(ascii: "E") {
            return try double(from: start, integerEnd: j)
        }
        guard j - start <= maxNumberBytes else { throw Bail() }
        // An integer literal: canonical iff it is the plain decimal of its value, which excludes
        // only "-0" (leading zeros are not even grammatical; the next byte is checked by the caller).
        if digits <= 16, magnitude <= UInt64(JSONNumber.maxSafeInteger) {
            guard !(negative && first == UInt8(ascii: "0")) else { throw Bail() }
            i = j
            let value = Int64(magnitude)
            return .integer(negative ? -value : value)
        }
        // Beyond ±(2^53−1): a double in general mode, canonical only if ECMAScript prints it so.
        guard !integersOnly else { throw Bail() }
        return try double(from: start, end: j)
    }

    /// A number literal with a fraction or an exponent (general mode only).
    private mutating func double(from start: Int, integerEnd: Int) throws(Bail) -> JSONNumber {
        guard !integersOnly else { throw Bail() }
        var j = integerEnd
        if j < n, p[j] == UInt8(ascii: ".") {
            j += 1
            guard j < n, p[j] >= UInt8(ascii: "0"), p[j] <= UInt8(ascii: "9") else { throw Bail() }
            while j < n, p[j] >= UInt8(ascii: "0"), p[j] <= UInt8(ascii: "9") { j += 1 }
        }
        if j < n, p[j] == UInt8(ascii: "e") || p[j] == UInt8(ascii: "E") {
            j += 1
            if j < n, p[j] == UInt8(ascii: "+") || p[j] == UInt8(ascii: "-") { j += 1 }
            guard j < n, p[j] >= UInt8(ascii: "0"), p[j] <= UInt8(ascii: "9") else { throw Bail() }
            while j < n, p[j] >= UInt8(ascii: "0"), p[j] <= UInt8(ascii: "9") { j += 1 }
        }
        return try double(from: start, end: j)
    }

    /// The grammatical literal input[start..<end] as a double, if it is exactly what ECMAScript's
    /// Number::toString prints for that double (the reference path's conversion and formatter).
    private mutating func double(from start: Int, end: Int) throws(Bail) -> JSONNumber {
        guard end - start <= maxNumberBytes else { throw Bail() }
        let literal = UnsafeBufferPointer(rebasing: p[start..<end])
        guard let value = Double(String(decoding: literal, as: UTF8.self)), value.isFinite,
              let text = ECMAScriptNumber.format(value), text.utf8.elementsEqual(literal)
        else { throw Bail() }
        i = end
        return .double(value)
    }
}

/// True if none of the eight bytes is below 0x20, `"`, `\\` or above 0x7F. The zero-byte and
/// less-than tests (`(x - 0x01…) & ~x & 0x80…`) can misplace a match but never miss or invent
/// one, and only their existence is asked here.
@inline(__always)
private func isPlainASCII(_ w: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    let control = (w &- ones &* 0x20) & ~w
    let q = w ^ (ones &* 0x22)
    let bs = w ^ (ones &* 0x5C)
    let quoteByte = (q &- ones) & ~q
    let backslashByte = (bs &- ones) & ~bs
    return (control | quoteByte | backslashByte | w) & high == 0
}

/// a < b by UTF-16 code units, for well-formed UTF-8 a and b. UTF-8 byte order is code point
/// order; UTF-16 order differs from it only in that U+E000…U+FFFF (lead bytes EE, EF) sort after
/// the supplementary planes (lead bytes F0…F4, surrogate pairs D800…DFFF in UTF-16). Up to the
/// first differing byte both strings agree, so that byte is in both a lead byte or in both a
/// continuation byte of sequences with the same lead byte; only lead bytes need remapping.
func utf16Less(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let common = min(a.count, b.count)
    var k = 0
    while k < common {
        let x = a[k]
        let y = b[k]
        if x != y {
            return utf16OrderKey(x) < utf16OrderKey(y)
        }
        k += 1
    }
    return a.count < b.count
}

@inline(__always)
private func utf16OrderKey(_ byte: UInt8) -> UInt8 {
    byte == 0xEE || byte == 0xEF ? byte &+ 0x10 : byte
}


/// Finds a top-level member in bytes already known to be canonical JSON (used only when the
/// reference path accepted input the fast path declined). In canonical form a name has no
/// escapes unless it holds `"`, `\` or a control character, so the member is the literal
/// `"name":` at nesting depth 1 after `{` or `,`.
enum CanonicalMemberLocator {
    static func range(of name: [UInt8], in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        var depth = 0
        var k = bytes.startIndex
        let end = bytes.endIndex
        var memberStarts: [Int] = []  // start of each top-level member (its name's quote)
        var target: Int? = nil
        var targetEnd: Int? = nil
        // The escaped form of the name, as it appears in canonical bytes.
        let pattern = JCS.canonicalize(.string(String(decoding: name, as: UTF8.self)))
        while k < end {
            let b = bytes[k]
            if b == quote {
                let stringStart = k
                k += 1
                while k < end, bytes[k] != quote {
                    k += bytes[k] == backslash ? 2 : 1
                }
                k += 1  // past the closing quote
                if depth == 1, stringStart > bytes.startIndex,
                   bytes[stringStart - 1] == UInt8(ascii: "{") || bytes[stringStart - 1] == comma {
                    if target != nil, targetEnd == nil { targetEnd = stringStart - 1 }
                    memberStarts.append(stringStart)
                    if k - stringStart == pattern.count, bytes[stringStart..<k].elementsEqual(pattern) {
                        target = stringStart
                    }
                }
                continue
            }
            if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") { depth += 1 }
            if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0, target != nil, targetEnd == nil { targetEnd = k }
            }
            k += 1
        }
        guard let start = target, let stop = targetEnd else { return nil }
        // stop is the index of the comma after the member, or of the closing brace.
        if memberStarts.first != start { return (start - 1)..<stop }
        return bytes[stop] == comma ? start..<(stop + 1) : start..<stop
    }
}
