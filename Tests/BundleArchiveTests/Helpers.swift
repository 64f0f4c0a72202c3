import XCTest
@testable import BundleArchive
import TarForge

/// Reads every entry and its data.
func readEverything(_ reader: TarReader) throws -> [(TarEntry, [UInt8])] {
    var out: [(TarEntry, [UInt8])] = []
    while let entry = try reader.nextEntry() {
        out.append((entry, try reader.readAll(limit: Int(entry.size))))
    }
    return out
}

func readEverything(_ bytes: [UInt8], limits: ArchiveLimits = .default) throws -> [(TarEntry, [UInt8])] {
    try readEverything(TarReader(bytes: bytes, limits: limits))
}

/// Reading the whole archive (headers and data) must fail with `code`.
func assertRejects(
    _ bytes: [UInt8], _ code: ArchiveError.Code, limits: ArchiveLimits = .default,
    _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    do {
        let entries = try readEverything(bytes, limits: limits)
        XCTFail("expected \(code.rawValue), archive read \(entries.count) entries. \(message)", file: file, line: line)
    } catch let error as ArchiveError {
        XCTAssertEqual(error.code, code, "\(error) \(message)", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error). \(message)", file: file, line: line)
    }
}

/// A valid archive closed the way TarForge is told: end marker and record padding.
func forged(_ build: (inout TarForge) -> Void) -> [UInt8] {
    var forge = TarForge()
    build(&forge)
    forge.endOfArchive()
    forge.padToRecord()
    return forge.bytes
}

let hello = Array("hello\n".utf8)

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bundlearchive-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
