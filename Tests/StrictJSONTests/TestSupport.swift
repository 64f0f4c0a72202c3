import XCTest
import StrictJSON

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Parses and requires success.
func parseOK(
    _ input: [UInt8], options: JSONParseOptions = .evidence,
    file: StaticString = #filePath, line: UInt = #line
) -> JSONValue? {
    do {
        return try JSONParser.parse(input, options: options)
    } catch {
        XCTFail("expected \(show(input)) to parse, got \(error)",
                file: file, line: line)
        return nil
    }
}

func parseOK(
    _ input: String, options: JSONParseOptions = .evidence,
    file: StaticString = #filePath, line: UInt = #line
) -> JSONValue? {
    parseOK(bytes(input), options: options, file: file, line: line)
}

/// Parses and requires the error `code` (and, if given, `offset`).
func assertRejects(
    _ input: [UInt8], _ code: JSONError.Code, offset: Int? = nil, options: JSONParseOptions = .evidence,
    _ context: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        let value = try JSONParser.parse(input, options: options)
        XCTFail("expected \(code.rawValue) for \(show(input)) \(context()), parsed \(value)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.code, code, "for \(show(input)) \(context()): \(error)", file: file, line: line)
        if let offset {
            XCTAssertEqual(error.offset, offset, "offset for \(show(input)) \(context()): \(error)",
                           file: file, line: line)
        }
    }
}

func assertRejects(
    _ input: String, _ code: JSONError.Code, offset: Int? = nil, options: JSONParseOptions = .evidence,
    file: StaticString = #filePath, line: UInt = #line
) {
    assertRejects(bytes(input), code, offset: offset, options: options, file: file, line: line)
}

func show(_ input: [UInt8]) -> String {
    if input.count > 80 { return "<\(input.count) bytes>" }
    return input.map { (0x20...0x7E).contains($0) ? String(UnicodeScalar($0)) : "\\x" + hexByte($0) }.joined()
}

func canonicalString(_ value: JSONValue) -> String {
    String(decoding: JCS.canonicalize(value), as: UTF8.self)
}

func double(bits: UInt64) -> Double { Double(bitPattern: bits) }

func hexByte(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
}

/// Where the UTF-8 check fails for a byte ≥ 0x80 at `offset` followed by an ASCII byte: at the
/// byte itself if it cannot lead a sequence, else at the ASCII byte that should have continued it.
func utf8ErrorOffset(lead: UInt8, at offset: Int) -> Int {
    (0xC2...0xF4).contains(lead) ? offset + 1 : offset
}

/// A double from decimal text (NaN if the text is not a number, which fails any comparison).
func dbl(_ text: String) -> Double { Double(text) ?? .nan }
