import XCTest
@testable import BundleArchive
import TarForge

/// TarForge itself: the vectors are only as good as the builder.
final class TarForgeTests: XCTestCase {
    func testPaxRecordLengthIsSelfConsistent() {
        for valueLength in 0..<1100 {
            let record = TarForge.paxRecord("path", [UInt8](repeating: 0x61, count: valueLength))
            let digits = record.prefix { $0 != 0x20 }
            XCTAssertEqual(Int(String(decoding: digits, as: UTF8.self)), record.count, "value length \(valueLength)")
            XCTAssertEqual(record.last, 0x0A)
        }
    }

    func testHeaderChecksumIsCorrectUnlessToldOtherwise() throws {
        let header = TarForge.Header("a/b", size: 123, typeflag: .regular).encoded()
        XCTAssertEqual(header.count, 512)
        XCTAssertEqual(UstarHeader.checksum(header), UstarHeader.octal(header[148..<156]))
        XCTAssertEqual(try UstarHeader(block: header).fields().size, 123)
        var bad = TarForge.Header("a/b")
        bad.checksum = .offBy(1)
        XCTAssertThrowsError(try UstarHeader(block: bad.encoded())) { XCTAssertEqual(($0 as? ArchiveError)?.code, .checksum) }
    }

    func testNumericEncodings() {
        XCTAssertEqual(TarForge.numeric(0o644, width: 8), Array("0000644".utf8) + [0])
        XCTAssertEqual(TarForge.numeric(0o77777777777, width: 12), Array("77777777777".utf8) + [0])
        XCTAssertEqual(TarForge.numeric(0o777777777777, width: 12), Array("777777777777".utf8), "full width, no terminator")
        XCTAssertEqual(TarForge.numeric(1 << 40, width: 12).first, 0x80, "base-256")
        XCTAssertEqual(TarForge.numeric(-1, width: 8), [UInt8](repeating: 0xFF, count: 8))
    }

    func testForgedArchiveReadsWithPythonTarfile() throws {
        let bytes = forged { $0.file("a.txt", contents: hello); $0.paxFile("b", records: [("path", Array("dir/é.txt".utf8))], contents: hello) }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("forged.tar")
        try Data(bytes).write(to: path)
        let output = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys,tarfile\nfor m in tarfile.open(sys.argv[1]): print(m.name, m.size)", path.path]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try XCTSkipUnless(process.terminationStatus == 0 || !text.isEmpty, "python3 unavailable")
        XCTAssertEqual(text, "a.txt 6\ndir/é.txt 6\n")
    }
}
