import XCTest
@testable import BundleArchive
import TarForge

final class TarWriterTests: XCTestCase {
    private func sampleWriter() throws -> TarWriter {
        var writer = TarWriter()
        try writer.add(path: "manifest.json", contents: Array("{\"a\":1}".utf8))
        try writer.add(path: "receipts/receipts.jsonl", contents: Array(repeating: 0x41, count: 70_000))
        try writer.add(path: "empty", contents: [])
        try writer.add(path: "block", contents: Array(repeating: 7, count: 512))
        return writer
    }

    func testRoundTrip() throws {
        let bytes = try sampleWriter().finish()
        let entries = try readEverything(bytes)
        XCTAssertEqual(entries.map(\.0.path), ["manifest.json", "receipts/receipts.jsonl", "empty", "block"])
        XCTAssertEqual(entries.map(\.0.size), [7, 70_000, 0, 512])
        XCTAssertEqual(entries[0].1, Array("{\"a\":1}".utf8))
        XCTAssertEqual(entries[1].1, Array(repeating: 0x41, count: 70_000))
        XCTAssertEqual(entries[2].1, [])
        XCTAssertEqual(entries[3].1, Array(repeating: 7, count: 512))
    }

    func testOutputIsDeterministic() throws {
        let first = try sampleWriter().finish()
        let second = try sampleWriter().finish()
        XCTAssertEqual(first, second)
        var reordered = TarWriter()
        try reordered.add(path: "empty", contents: [])
        try reordered.add(path: "manifest.json", contents: Array("{\"a\":1}".utf8))
        XCTAssertNotEqual(try reordered.finish(), first, "insertion order is part of the output")
    }

    /// The documented header conventions, byte for byte.
    func testHeaderConventions() throws {
        var writer = TarWriter()
        try writer.add(path: "a.txt", contents: Array("abc".utf8))
        let bytes = try writer.finish()
        XCTAssertEqual(bytes.count, 10240)
        let header = Array(bytes[0..<512])
        func field(_ range: Range<Int>) -> [UInt8] { Array(header[range]) }
        XCTAssertEqual(field(0..<6), Array("a.txt".utf8) + [0])
        XCTAssertEqual(field(100..<108), Array("000644 ".utf8) + [0])
        XCTAssertEqual(field(108..<116), Array("000000 ".utf8) + [0])
        XCTAssertEqual(field(116..<124), Array("000000 ".utf8) + [0])
        XCTAssertEqual(field(124..<136), Array("00000000003 ".utf8))
        XCTAssertEqual(field(136..<148), Array("00000000000 ".utf8))
        XCTAssertEqual(header[156], UInt8(ascii: "0"))
        XCTAssertEqual(field(157..<257), [UInt8](repeating: 0, count: 100))
        XCTAssertEqual(field(257..<265), TarForge.posixMagic)
        XCTAssertEqual(field(265..<329), [UInt8](repeating: 0, count: 64), "empty uname and gname")
        XCTAssertEqual(field(345..<512), [UInt8](repeating: 0, count: 167))
        XCTAssertEqual(Array(bytes[512..<515]), Array("abc".utf8))
        XCTAssertTrue(bytes[515...].allSatisfy { $0 == 0 }, "data padding, end marker and record padding are zero")
        XCTAssertEqual(TarForge.checksum(of: header), Int(String(decoding: field(148..<154), as: UTF8.self), radix: 8))
    }

    func testEmptyArchive() throws {
        let bytes = try TarWriter().finish()
        XCTAssertEqual(bytes, [UInt8](repeating: 0, count: 10240))
        XCTAssertEqual(try readEverything(bytes).count, 0)
    }

    func testLongNameUsesPrefixThenPax() throws {
        let split = String(repeating: "d/", count: 70) + "x.txt"  // 145 bytes: fits prefix + name
        let long = String(repeating: "y", count: 200)             // no '/': needs a pax path
        var ustarOnly = TarWriter()
        try ustarOnly.add(path: split, contents: hello)
        let ustarBytes = try ustarOnly.finish()
        XCTAssertEqual(ustarBytes[156], UInt8(ascii: "0"), "no pax header when ustar suffices")
        XCTAssertEqual(try readEverything(ustarBytes).map(\.0.path), [split])

        var withPax = TarWriter()
        try withPax.add(path: split, contents: hello)
        try withPax.add(path: long, contents: hello)
        let paxBytes = try withPax.finish()
        XCTAssertEqual(paxBytes[156], UInt8(ascii: "0"))
        XCTAssertEqual(paxBytes[1024 + 156], UInt8(ascii: "x"))
        XCTAssertEqual(try readEverything(paxBytes).map(\.0.path), [split, long])
        XCTAssertEqual(try withPax.finish(), paxBytes)
        // The pax header body is exactly one `path` record.
        let body = Array(paxBytes[1536..<(1536 + 210)])
        XCTAssertEqual(body, TarForge.paxRecord("path", long))
    }

    func testNonASCIINamesInUstar() throws {
        var writer = TarWriter()
        try writer.add(path: "é.txt", contents: hello)
        try writer.add(path: "日本/文書.json", contents: hello)
        let entries = try readEverything(writer.finish())
        XCTAssertEqual(entries.map(\.0.path), ["é.txt", "日本/文書.json"])
        XCTAssertEqual(Array(entries[0].0.path.utf8), Array("é.txt".utf8))
    }

    func testNonASCIIWithPaxNameIsRefused() throws {
        var writer = TarWriter()
        try writer.add(path: "é.txt", contents: hello)
        try writer.add(path: String(repeating: "y", count: 200), contents: hello)
        XCTAssertThrowsError(try writer.finish()) { XCTAssertEqual(($0 as? ArchiveError)?.code, .writeUnsupported) }
    }

    func testWriterAppliesReaderNameRules() {
        let cases: [(String, ArchiveError.Code)] = [
            ("", .pathEmpty), ("/abs", .pathAbsolute), ("a/../b", .pathTraversal), ("./a", .pathDotComponent),
            ("a//b", .pathEmptyComponent), ("dir/", .pathTrailingSlash), ("a\\b", .pathBackslash),
            ("a\u{0}b", .pathControl), ("a\nb", .pathControl), (String(repeating: "z", count: 256), .pathTooLong),
        ]
        for (path, code) in cases {
            var writer = TarWriter()
            XCTAssertThrowsError(try writer.add(path: path, contents: [])) {
                XCTAssertEqual(($0 as? ArchiveError)?.code, code, "path \(path.debugDescription)")
            }
        }
        var writer = TarWriter()
        XCTAssertNoThrow(try writer.add(path: "Readme", contents: []))
        XCTAssertThrowsError(try writer.add(path: "Readme", contents: [])) { XCTAssertEqual(($0 as? ArchiveError)?.code, .duplicate) }
        XCTAssertThrowsError(try writer.add(path: "README", contents: [])) { XCTAssertEqual(($0 as? ArchiveError)?.code, .nameCollision) }
    }

    func testWriteToFileAndReadFromPath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bundle.tar").path
        let writer = try sampleWriter()
        try writer.write(to: path)
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(onDisk, try writer.finish())
        let entries = try readEverything(TarReader(path: path))
        XCTAssertEqual(entries.map(\.0.path), ["manifest.json", "receipts/receipts.jsonl", "empty", "block"])
        XCTAssertEqual(entries[1].1.count, 70_000)
    }

    func testWriteToUnwritablePathIsIO() throws {
        XCTAssertThrowsError(try TarWriter().write(to: "/nonexistent-dir-\(UUID().uuidString)/x.tar")) {
            XCTAssertEqual(($0 as? ArchiveError)?.code, .io)
        }
    }
}
