import XCTest
@testable import BundleArchive

/// Archives written by other tools read correctly: Python's tarfile (PAX_FORMAT and USTAR_FORMAT)
/// and GNU tar (--format=posix and --format=ustar), when they are installed.
final class InteropTests: XCTestCase {
    private static let files: [(String, [UInt8])] = [
        ("manifest.json", Array("{\"tier\":\"full\"}".utf8)),
        ("receipts/receipts.jsonl", Array(repeating: 0x7B, count: 20_000)),
        ("é/naïve.txt", Array("unicode".utf8)),
        (String(repeating: "d/", count: 60) + "deep.txt", Array("deep".utf8)),
        ("empty", []),
    ]

    private func run(_ arguments: [String], in directory: URL) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func populate(_ directory: URL, extra: [(String, [UInt8])] = []) throws -> [(String, [UInt8])] {
        let files = Self.files + extra
        let root = directory.appendingPathComponent("src")
        for (path, contents) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents).write(to: url)
        }
        return files
    }

    private func assertReads(_ archive: URL, _ files: [(String, [UInt8])], file: StaticString = #filePath, line: UInt = #line) throws {
        let entries = try readEverything(TarReader(path: archive.path))
        XCTAssertEqual(entries.map(\.0.path), files.map(\.0), file: file, line: line)
        XCTAssertEqual(entries.map(\.1), files.map(\.1), file: file, line: line)
    }

    private func python(format: String, _ files: [(String, [UInt8])], in directory: URL) throws -> URL? {
        let output = directory.appendingPathComponent("python-\(format).tar")
        let script = """
        import sys, tarfile, os
        out, fmt, names = sys.argv[1], sys.argv[2], sys.argv[3:]
        with tarfile.open(out, "w", format=getattr(tarfile, fmt)) as t:
            for n in names:
                t.add(os.path.join("src", n), arcname=n, recursive=False)
        """
        let status = try run(["python3", "-c", script, output.path, format] + files.map(\.0), in: directory)
        return status == 0 ? output : nil
    }

    func testPythonPaxFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try populate(directory, extra: [(String(repeating: "L", count: 180), Array("long".utf8))])
        guard let archive = try python(format: "PAX_FORMAT", files, in: directory) else { throw XCTSkip("python3 tarfile unavailable") }
        try assertReads(archive, files)
    }

    func testPythonUstarFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try populate(directory)
        guard let archive = try python(format: "USTAR_FORMAT", files, in: directory) else { throw XCTSkip("python3 tarfile unavailable") }
        try assertReads(archive, files)
    }

    private func gnuTar(format: String, _ files: [(String, [UInt8])], in directory: URL) throws -> URL {
        guard (try? run(["tar", "--version"], in: directory)) == 0 else { throw XCTSkip("GNU tar unavailable") }
        let output = directory.appendingPathComponent("gnu-\(format).tar")
        let status = try run(["tar", "--format=\(format)", "--no-recursion", "-cf", output.path, "-C", "src"] + files.map(\.0), in: directory)
        XCTAssertEqual(status, 0)
        return output
    }

    func testGNUTarPosixFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try populate(directory, extra: [(String(repeating: "L", count: 180), Array("long".utf8))])
        try assertReads(try gnuTar(format: "posix", files, in: directory), files)
    }

    func testGNUTarUstarFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try populate(directory)
        try assertReads(try gnuTar(format: "ustar", files, in: directory), files)
    }

    /// GNU tar's own format uses GNU magic (and 'L' entries for long names): not a bundle.
    func testGNUTarGnuFormatIsRejected() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try populate(directory)
        let archive = try gnuTar(format: "gnu", files, in: directory)
        XCTAssertThrowsError(try readEverything(TarReader(path: archive.path))) {
            XCTAssertEqual(($0 as? ArchiveError)?.code, .format)
        }
    }
}
