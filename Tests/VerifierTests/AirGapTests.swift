import Foundation
import XCTest

/// The verifier works with no network and cannot reach one: it links no networking library,
/// makes no network system call, and verifies inside a network namespace that has only a
/// loopback interface that is down.
final class AirGapTests: XCTestCase {
    var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    func testBinaryLinksNoNetworkingLibrary() throws {
        let run = try Tool.run("/usr/bin/ldd", [Tool.verifyPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("libsodium"), "ldd output is real: \(run.stdout)")
        for forbidden in ["FoundationNetworking", "libcurl", "libssl", "libgnutls", "libnghttp", "libssh", "libresolv"] {
            XCTAssertFalse(run.stdout.contains(forbidden), "verify links \(forbidden)")
        }
    }

    func testVerifiesInsideANetworkNamespaceWithNoInterfaces() throws {
        let unshare = "/usr/bin/unshare"
        guard FileManager.default.isExecutableFile(atPath: unshare) else { throw XCTSkip("unshare(1) is not installed") }
        let probe = try Tool.run(unshare, ["--net", "--", "cat", "/proc/net/dev"])
        guard probe.status == 0 else { throw XCTSkip("cannot create a network namespace here: \(probe.stderr)") }
        // Inside: only `lo`, no other interface to route through.
        let interfaces = probe.stdout.split(separator: "\n").dropFirst(2).map { $0.split(separator: ":")[0].trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(interfaces, ["lo"])
        let run = try Tool.run(unshare, ["--net", "--", Tool.verifyPath, fixtures.appendingPathComponent("sample.tar").path,
                                         "--trust", fixtures.appendingPathComponent("sample.trust").path, "--require-trust"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("verify: PASS"), run.stdout)
    }

    func testMakesNoNetworkSystemCall() throws {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else { throw XCTSkip("strace(1) is not installed") }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("verify-strace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let run = try Tool.run(strace, ["-f", "-qq", "-e", "trace=network,connect", "-o", log, Tool.verifyPath,
                                        fixtures.appendingPathComponent("sample.tar").path,
                                        "--trust", fixtures.appendingPathComponent("sample.trust").path])
        guard run.status == 0 else { throw XCTSkip("strace cannot trace here: \(run.stderr)") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: log))
        let traced = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertEqual(traced, "", "network system calls: \(traced)")
    }
}
