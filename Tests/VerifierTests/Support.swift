import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON
import TarForge
import Verifier
import XCTest

/// The sample evidence, built once: the same bytes `make fixtures` writes.
nonisolated(unsafe) let sample = SampleEvidence()  // read-only after creation

/// The sample's full tier-2 bundle as entries, manifest first.
func sampleEntries(_ req: BundleRequest = sample.fullRequest()) throws -> [BundleEntry] {
    let files = try BundleWriter.contentFiles(req)
    let manifest = try BundleWriter.manifest(for: files, req)
    return [BundleEntry(path: BundlePath.manifestName, bytes: manifest.bytes)] + files
}

extension Array where Element == BundleEntry {
    func tar() throws -> [UInt8] { try BundleWriter.tar(self) }

    /// Applies `change` to the lines (without newlines) of the JSON Lines file at `path`.
    func editingLines(of path: String, _ change: (inout [[UInt8]]) -> Void) -> [BundleEntry] {
        map { entry in
            guard entry.path == path else { return entry }
            var lines = entry.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { [UInt8]($0) }
            if lines.last == [] { lines.removeLast() }
            change(&lines)
            return BundleEntry(path: path, bytes: BundleWriter.jsonl(lines))
        }
    }

    func editing(_ path: String, _ change: (inout [UInt8]) -> Void) -> [BundleEntry] {
        map { entry in
            guard entry.path == path else { return entry }
            var bytes = entry.bytes
            change(&bytes)
            return BundleEntry(path: path, bytes: bytes)
        }
    }
}

/// Replaces the first occurrence of `old` with `new` (same length or not).
func replaceFirst(_ bytes: inout [UInt8], _ old: String, _ new: String) {
    let o = Array(old.utf8)
    guard let start = (0...(bytes.count - o.count)).first(where: { Array(bytes[$0..<($0 + o.count)]) == o }) else {
        XCTFail("\(old) not found")
        return
    }
    bytes.replaceSubrange(start..<(start + o.count), with: Array(new.utf8))
}

/// The value of `"sig":"…"` in a line, for targeted signature edits.
func sigRange(_ line: [UInt8]) -> Range<Int>? {
    let key = Array(#""sig":""#.utf8)
    guard let start = (0...(line.count - key.count)).first(where: { Array(line[$0..<($0 + key.count)]) == key }) else { return nil }
    let from = start + key.count
    guard let end = line[from...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
    return from..<end
}

/// A tar of `entries` plus raw hostile material, built byte by byte.
func forgedTar(_ entries: [BundleEntry], _ extra: (inout TarForge) -> Void) -> [UInt8] {
    var forge = TarForge()
    for e in entries { forge.file(e.path, contents: e.bytes) }
    extra(&forge)
    return forge.bytes
}

/// Runs the built `verify` executable.
struct VerifyRun {
    let status: Int32
    let stdout: String
    let stderr: String

    /// The failure codes of a `--format json` report, in report order.
    var codes: [String] {
        guard case .object(let report)? = try? JSONParser.parse(Array(stdout.utf8).dropLast(), options: .general),
              case .array(let failures)? = report["failures"] else { return ["<no JSON report>"] }
        return failures.compactMap {
            guard case .object(let f) = $0, case .string(let code)? = f["code"] else { return nil }
            return code
        }
    }

    var report: JSONObject? {
        guard case .object(let report)? = try? JSONParser.parse(Array(stdout.utf8).dropLast(), options: .general) else { return nil }
        return report
    }
}

enum Tool {
    static var productsDirectory: URL {
        // XCTest on Linux runs the test bundle from the build products directory.
        Bundle.main.bundleURL
    }

    static var verifyPath: String { productsDirectory.appendingPathComponent("verify").path }

    static func run(_ executable: String, _ arguments: [String]) throws -> VerifyRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return VerifyRun(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
    }

    static func verify(_ arguments: [String]) throws -> VerifyRun { try run(verifyPath, arguments) }
}

/// A scratch directory removed at the end of the test.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("verifier-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }
}
