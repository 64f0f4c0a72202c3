/// Limits and number mode of the strict parser. Every limit is enforced with its own error code.
package struct JSONParseOptions: Sendable {
    /// Largest accepted document, in bytes (JSON_TOO_LARGE).
    package var maxBytes: Int = 1 << 20
    /// Deepest accepted nesting of arrays and objects; a scalar document has depth 0 (JSON_DEPTH).
    /// Values above `depthCeiling` act as `depthCeiling`.
    package var maxDepth: Int = 32
    /// Evidence mode: every number must be an integer literal within ±(2^53−1)
    /// (JSON_NUMBER_NOT_INTEGER, JSON_INTEGER_RANGE). When false, numbers with a fraction or an
    /// exponent, and integer literals outside that range, become `.double`.
    package var integersOnly: Bool = true
    /// Longest accepted string (member names included), in bytes after unescaping (JSON_STRING_TOO_LONG).
    package var maxStringBytes: Int = 1 << 16
    /// Most members in one object (JSON_TOO_MANY_MEMBERS).
    package var maxMembers: Int = 4096
    /// Most elements in one array (JSON_TOO_MANY_ELEMENTS).
    package var maxElements: Int = 1 << 16
    /// Longest accepted number literal, in bytes (JSON_NUMBER_TOO_LONG).
    package var maxNumberBytes: Int = 128

    package init() {}

    /// The deepest nesting any options allow. Parsing is iterative, but a parsed value is a tree
    /// that is released, compared (`==`) and canonicalized recursively; this bound keeps all of
    /// that far from the stack's end on any thread.
    package static let depthCeiling = 1024

    var effectiveMaxDepth: Int { min(maxDepth, JSONParseOptions.depthCeiling) }

    /// The profile for evidence files: integers only, the default limits.
    package static let evidence = JSONParseOptions()

    /// Any RFC 8259 number within the range of a binary64 double; the same limits otherwise.
    package static let general: JSONParseOptions = {
        var options = JSONParseOptions()
        options.integersOnly = false
        return options
    }()
}

/// A strict RFC 8259 parser for evidence files.
///
/// Checks, in this order: size (JSON_TOO_LARGE), emptiness (JSON_EMPTY), byte-order mark
/// (JSON_BOM), well-formed UTF-8 over the whole input (JSON_INVALID_UTF8), then the grammar with
/// no extensions: only space, tab, LF and CR as whitespace, no comments, no trailing commas, no
/// single quotes, no NaN/Infinity, exactly one value and nothing after it. The parser itself is
/// iterative (no recursion); nesting is bounded by `maxDepth` and never above `depthCeiling`.
package enum JSONParser {
    package static func parse(
        _ bytes: [UInt8], options: JSONParseOptions = .evidence
    ) throws(JSONError) -> JSONValue {
        try parse(bytes[...], options: options)
    }

    /// Offsets in errors are relative to the start of the slice.
    package static func parse(
        _ bytes: ArraySlice<UInt8>, options: JSONParseOptions = .evidence
    ) throws(JSONError) -> JSONValue {
        guard bytes.count <= options.maxBytes else {
            throw JSONError(.tooLarge, at: options.maxBytes,
                            "document is \(bytes.count) bytes, the limit is \(options.maxBytes)")
        }
        guard !bytes.isEmpty else {
            throw JSONError(.empty, at: 0, "empty document")
        }
        let input = Array(bytes)
        try rejectByteOrderMark(input)
        try UTF8Validation.validate(input)
        var parser = Parser(input: input, options: options)
        return try parser.parseDocument()
    }

    private static func rejectByteOrderMark(_ input: [UInt8]) throws(JSONError) {
        let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]
        guard !input.starts(with: utf8BOM) else {
            throw JSONError(.byteOrderMark, at: 0, "document starts with a UTF-8 byte-order mark")
        }
        guard !input.starts(with: [0xFE, 0xFF]), !input.starts(with: [0xFF, 0xFE]) else {
            throw JSONError(.byteOrderMark, at: 0, "document starts with a UTF-16 byte-order mark")
        }
    }
}

// MARK: - UTF-8

/// Well-formed UTF-8 exactly as Unicode §3.9 Table 3-7 defines it: no overlong forms, no encoded
/// surrogates (U+D800…U+DFFF), nothing above U+10FFFF, no truncated or stray continuation bytes.
enum UTF8Validation {
    static func validate(_ input: [UInt8]) throws(JSONError) {
        var i = 0
        let n = input.count
        while i < n {
            let b0 = input[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            // The allowed range of the second byte depends on the lead byte (Table 3-7).
            let length: Int
            let secondLow: UInt8
            let secondHigh: UInt8
            switch b0 {
            case 0xC2...0xDF: length = 2; secondLow = 0x80; secondHigh = 0xBF
            case 0xE0: length = 3; secondLow = 0xA0; secondHigh = 0xBF  // no overlongs
            case 0xE1...0xEC, 0xEE...0xEF: length = 3; secondLow = 0x80; secondHigh = 0xBF
            case 0xED: length = 3; secondLow = 0x80; secondHigh = 0x9F  // no surrogates
            case 0xF0: length = 4; secondLow = 0x90; secondHigh = 0xBF  // no overlongs
            case 0xF1...0xF3: length = 4; secondLow = 0x80; secondHigh = 0xBF
            case 0xF4: length = 4; secondLow = 0x80; secondHigh = 0x8F  // nothing above U+10FFFF
            default:
                throw JSONError(.invalidUTF8, at: i, "byte 0x\(hex(b0)) cannot start a UTF-8 sequence")
            }
            guard i + 1 < n else {
                throw JSONError(.invalidUTF8, at: n, "truncated UTF-8 sequence at end of input")
            }
            guard input[i + 1] >= secondLow, input[i + 1] <= secondHigh else {
                throw JSONError(.invalidUTF8, at: i + 1,
                                "byte 0x\(hex(input[i + 1])) is not allowed after lead byte 0x\(hex(b0))")
            }
            var k = 2
            while k < length {
                guard i + k < n else {
                    throw JSONError(.invalidUTF8, at: n, "truncated UTF-8 sequence at end of input")
                }
                guard input[i + k] & 0xC0 == 0x80 else {
                    throw JSONError(.invalidUTF8, at: i + k,
                                    "byte 0x\(hex(input[i + k])) is not a UTF-8 continuation byte")
                }
                k += 1
            }
            i += length
        }
    }
}

func hex(_ b: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
}

/// A byte for humans: printable ASCII as itself, anything else as hex.
func describe(_ b: UInt8) -> String {
    (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "0x\(hex(b))"
}

// MARK: - Grammar

private enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let lowerE = UInt8(ascii: "e")
    static let upperE = UInt8(ascii: "E")
}

/// An open array or object while its contents are being parsed. Containers are mutated in place
/// on the parser's stack (never copied out and back), so appending stays amortized O(1).
private struct Container {
    let isArray: Bool
    var elements: [JSONValue] = []
    var members: [(name: String, value: JSONValue)] = []
    /// The UTF-8 bytes of every name so far: duplicates are found by exact bytes.
    var names: Set<[UInt8]> = []
    /// The name of the member whose value is being parsed.
    var pendingName = ""

    init(isArray: Bool) { self.isArray = isArray }
}

private struct Parser {
    let input: [UInt8]
    let options: JSONParseOptions
    var pos = 0
    var stack: [Container] = []

    init(input: [UInt8], options: JSONParseOptions) {
        self.input = input
        self.options = options
    }

    /// RFC 8259 §2: ws = *( %x20 / %x09 / %x0A / %x0D ). Nothing else is whitespace.
    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    private mutating func skipWhitespace() {
        while pos < input.count, Parser.isWhitespace(input[pos]) { pos += 1 }
    }

    private func unexpectedEnd(_ expected: String) -> JSONError {
        JSONError(.unexpectedEnd, at: input.count, "input ends where \(expected) is expected")
    }

    private func unexpected(_ expected: String) -> JSONError {
        JSONError(.unexpectedByte, at: pos, "\(describe(input[pos])) where \(expected) is expected")
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard pos < input.count else {
            throw JSONError(.empty, at: pos, "document holds only whitespace")
        }
        while true {
            // Parse one value; an opened container continues the loop at its first value.
            guard var value = try parseValueStart() else { continue }
            // Attach the value to the innermost open container, closing containers as their
            // ends arrive, until one expects another value.
            while true {
                guard let top = stack.indices.last else {
                    skipWhitespace()
                    guard pos == input.count else {
                        throw JSONError(.trailingData, at: pos,
                                        "\(describe(input[pos])) after the end of the document's value")
                    }
                    return value
                }
                let isArray = stack[top].isArray
                if isArray {
                    stack[top].elements.append(value)
                } else {
                    stack[top].members.append((name: stack[top].pendingName, value: value))
                }
                skipWhitespace()
                guard pos < input.count else { throw unexpectedEnd(isArray ? "',' or ']'" : "',' or '}'") }
                if input[pos] == ASCII.comma {
                    pos += 1
                    skipWhitespace()
                    if isArray {
                        guard stack[top].elements.count < options.maxElements else {
                            throw JSONError(.tooManyElements, at: pos,
                                            "array has more than \(options.maxElements) elements")
                        }
                    } else {
                        guard stack[top].members.count < options.maxMembers else {
                            throw JSONError(.tooManyMembers, at: pos,
                                            "object has more than \(options.maxMembers) members")
                        }
                        try parseMemberName(of: top)
                    }
                    break  // parse the container's next value
                }
                if isArray, input[pos] == ASCII.closeBracket {
                    pos += 1
                    value = .array(stack.removeLast().elements)
                } else if !isArray, input[pos] == ASCII.closeBrace {
                    pos += 1
                    value = .object(JSONObject(stack.removeLast().members))
                } else {
                    throw unexpected(isArray ? "',' or ']'" : "',' or '}'")
                }
            }
        }
    }

    /// Parses a scalar or an empty container and returns it, or opens a non-empty container
    /// (pushing it, positioned at its first value) and returns nil.
    private mutating func parseValueStart() throws(JSONError) -> JSONValue? {
        guard pos < input.count else { throw unexpectedEnd("a value") }
        let b = input[pos]
        switch b {
        case ASCII.openBracket, ASCII.openBrace:
            guard stack.count < options.effectiveMaxDepth else {
                throw JSONError(.depth, at: pos, "nesting deeper than \(options.effectiveMaxDepth)")
            }
            let isArray = b == ASCII.openBracket
            pos += 1
            skipWhitespace()
            guard pos < input.count else { throw unexpectedEnd(isArray ? "a value or ']'" : "a name or '}'") }
            if isArray {
                if input[pos] == ASCII.closeBracket {
                    pos += 1
                    return .array([])
                }
                guard options.maxElements > 0 else {
                    throw JSONError(.tooManyElements, at: pos, "array has more than \(options.maxElements) elements")
                }
                stack.append(Container(isArray: true))
                return nil
            }
            if input[pos] == ASCII.closeBrace {
                pos += 1
                return .object(JSONObject([]))
            }
            guard options.maxMembers > 0 else {
                throw JSONError(.tooManyMembers, at: pos, "object has more than \(options.maxMembers) members")
            }
            stack.append(Container(isArray: false))
            try parseMemberName(of: stack.count - 1)
            return nil
        case ASCII.quote:
            return .string(try parseString())
        case ASCII.minus, ASCII.zero...ASCII.nine, ASCII.plus, ASCII.dot:
            return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            try rejectNonFiniteLiteral()
            throw unexpected("a value")
        default:
            throw unexpected("a value")
        }
    }

    /// `"name"` then `:` for the object at `stack[index]`; leaves `pos` at the member's value.
    /// Rejects a name the object already has.
    private mutating func parseMemberName(of index: Int) throws(JSONError) {
        guard pos < input.count else { throw unexpectedEnd("a member name") }
        guard input[pos] == ASCII.quote else { throw unexpected("a member name (a string)") }
        let nameOffset = pos
        let bytes = try parseStringBytes()
        // Names are compared by their exact UTF-8 bytes (= Unicode scalars), never by Swift
        // String equality, which would merge canonically equivalent but distinct names.
        guard stack[index].names.insert(bytes).inserted else {
            throw JSONError(.duplicateName, at: nameOffset, "duplicate member name")
        }
        stack[index].pendingName = String(decoding: bytes, as: UTF8.self)
        skipWhitespace()
        guard pos < input.count else { throw unexpectedEnd("':'") }
        guard input[pos] == ASCII.colon else { throw unexpected("':'") }
        pos += 1
        skipWhitespace()
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let start = pos
        var k = 0
        let text = literal.utf8Start
        while k < literal.utf8CodeUnitCount {
            guard start + k < input.count else { throw unexpectedEnd("the rest of '\(literal)'") }
            guard input[start + k] == text[k] else {
                pos = start + k
                throw JSONError(.invalidLiteral, at: pos, "\(describe(input[pos])) in what should be '\(literal)'")
            }
            k += 1
        }
        pos = start + k
    }

    /// NaN, Infinity and -Infinity are not JSON (RFC 8259 §6).
    private func rejectNonFiniteLiteral() throws(JSONError) {
        for literal in ["NaN", "Infinity"] {
            let bytes = Array(literal.utf8)
            let end = min(pos + bytes.count, input.count)
            if end - pos == bytes.count, input[pos..<end].elementsEqual(bytes) {
                throw JSONError(.nonFiniteLiteral, at: pos, "\(literal) is not a JSON number")
            }
        }
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONError) -> String {
        let bytes = try parseStringBytes()
        // Valid UTF-8 by construction: raw bytes were validated, escapes are encoded below.
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The string's content as UTF-8, escapes resolved. Starts at the opening quote, ends after
    /// the closing quote.
    private mutating func parseStringBytes() throws(JSONError) -> [UInt8] {
        let open = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < input.count else {
                throw JSONError(.unterminatedString, at: input.count, "string opened at byte \(open) never ends")
            }
            let b = input[pos]
            let charStart = pos
            if b == ASCII.quote {
                pos += 1
                return out
            }
            guard b >= 0x20 else {
                throw JSONError(.controlCharacter, at: pos, "control character 0x\(hex(b)) must be escaped")
            }
            if b == ASCII.backslash {
                try parseEscape(into: &out)
            } else {
                out.append(b)
                pos += 1
            }
            guard out.count <= options.maxStringBytes else {
                throw JSONError(.stringTooLong, at: charStart, "string longer than \(options.maxStringBytes) bytes")
            }
        }
    }

    /// One escape sequence at `pos` (a backslash), appended to `out` as UTF-8.
    private mutating func parseEscape(into out: inout [UInt8]) throws(JSONError) {
        let escape = pos
        guard pos + 1 < input.count else {
            throw JSONError(.unterminatedString, at: input.count, "input ends inside an escape sequence")
        }
        let e = input[pos + 1]
        let simple: UInt8?
        switch e {
        case ASCII.quote: simple = ASCII.quote
        case ASCII.backslash: simple = ASCII.backslash
        case ASCII.slash: simple = ASCII.slash
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default:
            throw JSONError(.invalidEscape, at: pos + 1, "\\\(describe(e)) is not a JSON escape")
        }
        if let simple {
            out.append(simple)
            pos += 2
            return
        }
        let unit = try parseHex4(at: pos + 2)
        pos += 6
        let scalar: UInt32
        switch unit {
        case 0xD800...0xDBFF:
            // A high surrogate must be followed at once by an escaped low surrogate.
            guard pos < input.count else {
                throw JSONError(.unterminatedString, at: input.count, "input ends after a high surrogate")
            }
            guard input[pos] == ASCII.backslash else {
                throw JSONError(.loneSurrogate, at: escape, "high surrogate \\u\(hex16(unit)) without a low surrogate")
            }
            guard pos + 1 < input.count else {
                throw JSONError(.unterminatedString, at: input.count, "input ends inside an escape sequence")
            }
            guard input[pos + 1] == UInt8(ascii: "u") else {
                throw JSONError(.loneSurrogate, at: escape, "high surrogate \\u\(hex16(unit)) without a low surrogate")
            }
            let low = try parseHex4(at: pos + 2)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONError(.loneSurrogate, at: escape, "high surrogate \\u\(hex16(unit)) without a low surrogate")
            }
            pos += 6
            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        case 0xDC00...0xDFFF:
            throw JSONError(.loneSurrogate, at: escape, "low surrogate \\u\(hex16(unit)) without a high surrogate")
        default:
            scalar = UInt32(unit)
        }
        appendUTF8(scalar, to: &out)
    }

    /// Four hex digits (either case, as RFC 8259 allows) at `offset`.
    private func parseHex4(at offset: Int) throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for i in offset..<offset + 4 {
            guard i < input.count else {
                throw JSONError(.unterminatedString, at: input.count, "input ends inside a \\u escape")
            }
            let b = input[i]
            let digit: UInt8
            switch b {
            case ASCII.zero...ASCII.nine: digit = b - ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default:
                throw JSONError(.invalidEscape, at: i, "\(describe(b)) is not a hex digit in a \\u escape")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private func hex16(_ v: UInt16) -> String { hex(UInt8(v >> 8)) + hex(UInt8(v & 0xFF)) }

    private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    // MARK: Numbers

    /// RFC 8259 §6: number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ).
    private mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = pos
        guard input[pos] != ASCII.plus else {
            throw JSONError(.invalidNumber, at: pos, "a number cannot start with '+'")
        }
        guard input[pos] != ASCII.dot else {
            throw JSONError(.invalidNumber, at: pos, "a number needs a digit before '.'")
        }
        if input[pos] == ASCII.minus {
            pos += 1
            if pos < input.count, input[pos] == UInt8(ascii: "I") {
                try rejectNonFiniteLiteral()
            }
        }
        guard pos < input.count, isDigit(input[pos]) else {
            throw JSONError(.invalidNumber, at: pos, "a digit must follow '-'")
        }
        if input[pos] == ASCII.zero {
            pos += 1
            guard pos >= input.count || !isDigit(input[pos]) else {
                throw JSONError(.leadingZero, at: pos - 1, "an integer part cannot have a leading zero")
            }
        } else {
            skipDigits()
        }
        var fractionOrExponent: Int?
        if pos < input.count, input[pos] == ASCII.dot {
            fractionOrExponent = pos
            pos += 1
            guard pos < input.count, isDigit(input[pos]) else {
                throw JSONError(.invalidNumber, at: pos, "a digit must follow '.'")
            }
            skipDigits()
        }
        if pos < input.count, input[pos] == ASCII.lowerE || input[pos] == ASCII.upperE {
            fractionOrExponent = fractionOrExponent ?? pos
            pos += 1
            if pos < input.count, input[pos] == ASCII.plus || input[pos] == ASCII.minus { pos += 1 }
            guard pos < input.count, isDigit(input[pos]) else {
                throw JSONError(.invalidNumber, at: pos, "a digit must follow the exponent marker")
            }
            skipDigits()
        }
        let literal = input[start..<pos]
        guard literal.count <= options.maxNumberBytes else {
            throw JSONError(.numberTooLong, at: start, "number literal longer than \(options.maxNumberBytes) bytes")
        }
        if let marker = fractionOrExponent {
            guard !options.integersOnly else {
                throw JSONError(.numberNotInteger, at: marker, "only integers are allowed here")
            }
            return .double(try parseDouble(literal, at: start))
        }
        if let integer = safeInteger(literal) {
            return .integer(integer)
        }
        guard !options.integersOnly else {
            throw JSONError(.integerRange, at: start, "integer outside ±(2^53−1)")
        }
        return .double(try parseDouble(literal, at: start))
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= ASCII.zero && b <= ASCII.nine }

    private mutating func skipDigits() {
        while pos < input.count, isDigit(input[pos]) { pos += 1 }
    }

    /// The value of a grammatical integer literal if it lies within ±(2^53−1), else nil.
    private func safeInteger(_ literal: ArraySlice<UInt8>) -> Int64? {
        var digits = literal[...]
        let negative = digits.first == ASCII.minus
        if negative { digits = digits.dropFirst() }
        var value: Int64 = 0
        for d in digits {
            value = value * 10 + Int64(d - ASCII.zero)
            // Stops before Int64 could overflow: the bound is far below Int64.max / 10.
            guard value <= JSONNumber.maxSafeInteger else { return nil }
        }
        return negative ? -value : value
    }

    /// A grammatical number literal as the nearest binary64 double (round-half-even, by the
    /// standard library's correctly rounded conversion); out-of-range magnitudes are rejected,
    /// magnitudes below the smallest subnormal become zero.
    private func parseDouble(_ literal: ArraySlice<UInt8>, at start: Int) throws(JSONError) -> Double {
        let text = String(decoding: literal, as: UTF8.self)
        guard let value = Double(text) else {
            throw JSONError(.invalidNumber, at: start, "number literal is not a double")
        }
        guard value.isFinite else {
            throw JSONError(.numberRange, at: start, "number is outside the range of a binary64 double")
        }
        return value
    }
}
