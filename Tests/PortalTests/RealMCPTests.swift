import Foundation
import XCTest

/// The real-MCP tests (Tests/portal-mcp/test_portal_mcp.py): the official Python SDK client and
/// server on both sides of the built `portal`, both protocol eras, runtime drift at start and mid-run, the
/// composite profile, a kill -9 crash test; each
/// exports and runs `verify --require-trust`. The interpreter is `python3` (or PORTAL_MCP_PYTHON);
/// without the packages of Tests/portal-mcp/requirements.txt the test FAILS, naming that file.
final class RealMCPTests: XCTestCase {
    func testOfficialPythonSDKThroughThePortal() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = repo.appendingPathComponent("Tests/portal-mcp/test_portal_mcp.py").path
        let python = ProcessInfo.processInfo.environment["PORTAL_MCP_PYTHON"] ?? "/usr/bin/env"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = (python == "/usr/bin/env" ? ["python3"] : []) + [script, "-v"]
        var env = ProcessInfo.processInfo.environment
        env["PORTAL_BIN"] = CLITests.products.appendingPathComponent("portal").path
        env["VERIFY_BIN"] = CLITests.products.appendingPathComponent("verify").path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "Tests/portal-mcp/test_portal_mcp.py failed (requirements: Tests/portal-mcp/requirements.txt):\n\(text)")
        XCTAssertTrue(text.contains("Ran 6 tests"), text)
    }
}
