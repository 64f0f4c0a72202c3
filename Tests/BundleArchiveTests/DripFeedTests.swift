import XCTest
@testable import BundleArchive
import TarForge

/// Every prefix of a valid archive must fail with ARCHIVE_TRUNCATED, except the prefixes that are
/// complete archives: those that end at or after the end-of-archive marker (two zero blocks) and
/// within its record padding. A prefix that ends on a block boundary without the end marker is
/// truncation.
final class DripFeedTests: XCTestCase {
    private func dripFeed(_ bytes: [UInt8], expected: [(String, [UInt8])], file: StaticString = #filePath, line: UInt = #line) throws {
        let end = try XCTUnwrap(endOfMarker(bytes), file: file, line: line)
        for length in 0...bytes.count {
            let prefix = Array(bytes.prefix(length))
            if length >= end {
                let entries = try readEverything(prefix)
                XCTAssertEqual(entries.map(\.0.path), expected.map(\.0), "prefix \(length)", file: file, line: line)
                XCTAssertEqual(entries.map(\.1), expected.map(\.1), "prefix \(length)", file: file, line: line)
            } else {
                assertRejects(prefix, .truncated, "prefix \(length) of \(bytes.count)", file: file, line: line)
            }
        }
    }

    /// Offset just after the first two consecutive zero blocks at block boundaries after the
    /// entries (computed by walking the known-good headers).
    private func endOfMarker(_ bytes: [UInt8]) -> Int? {
        var offset = 0
        while offset + 1024 <= bytes.count {
            let block = bytes[offset..<(offset + 512)]
            if block.allSatisfy({ $0 == 0 }) {
                return bytes[(offset + 512)..<(offset + 1024)].allSatisfy { $0 == 0 } ? offset + 1024 : nil
            }
            let size = Int(String(decoding: block[(offset + 124)..<(offset + 135)], as: UTF8.self).trimmingCharacters(in: .whitespaces), radix: 8) ?? 0
            offset += 512 + (size + 511) / 512 * 512
        }
        return nil
    }

    func testTarWriterOutput() throws {
        var writer = TarWriter()
        let long = String(repeating: "p", count: 120)
        try writer.add(path: "manifest.json", contents: Array("{\"v\":1}".utf8))
        try writer.add(path: long, contents: Array(repeating: 0x5A, count: 700))
        try writer.add(path: "empty", contents: [])
        let bytes = try writer.finish()
        XCTAssertEqual(bytes.count, 10240)
        try dripFeed(bytes, expected: [("manifest.json", Array("{\"v\":1}".utf8)), (long, Array(repeating: 0x5A, count: 700)), ("empty", [])])
    }

    func testForgedArchiveWithoutRecordPadding() throws {
        var forge = TarForge()
        forge.file("a", contents: hello)
        forge.paxFile("b", records: [("path", Array("dir/b".utf8)), ("mtime", Array("1.5".utf8))], contents: Array(repeating: 1, count: 512))
        forge.endOfArchive()
        try dripFeed(forge.bytes, expected: [("a", hello), ("dir/b", Array(repeating: 1, count: 512))])
    }

    /// Single-byte corruption anywhere in the headers never crashes and never yields anything but
    /// an ArchiveError or the original entries.
    func testSingleByteCorruptionOfHeaders() throws {
        var forge = TarForge()
        forge.paxFile("a", records: [("path", Array("dir/a".utf8))], contents: hello)
        forge.file("b", contents: hello)
        forge.endOfArchive()
        let original = forge.bytes
        let headerRanges = [0..<512, 1024..<1536, 2048..<2560]
        var rejected = 0
        for range in headerRanges {
            for index in range {
                for value: UInt8 in [0x00, 0x2F, 0x35, 0xFF] where original[index] != value {
                    var bytes = original
                    bytes[index] = value
                    do {
                        let entries = try readEverything(bytes)
                        XCTAssertLessThanOrEqual(entries.count, 2, "offset \(index) value \(value)")
                    } catch is ArchiveError {
                        rejected += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(rejected, 1000, "most header corruptions are caught")
    }
}
