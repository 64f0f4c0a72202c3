import EvidenceFormat
import StrictJSON
import XCTest
@testable import Portal

final class EngineTests: XCTestCase {
    var engine: Engine!

    override func setUpWithError() throws { engine = Engine(artifact: try T.artifact().artifact) }

    func decide(_ tool: String, _ args: String = #"{"text":"x","query":"q"}"#, at t: Int64, _ s: inout Engine.SessionState) -> Engine.Verdict {
        engine.decide(tool: tool, arguments: T.json(args), timeMS: t, state: &s)
    }

    func testAllowsAllowlistedToolWithItsParameters() {
        var s = Engine.SessionState()
        XCTAssertEqual(decide("echo", at: T.t0 + 1, &s), .init(.allow, .ok))
    }

    func testToolNotAllowed() {
        var s = Engine.SessionState()
        XCTAssertEqual(decide("delete_file", at: T.t0 + 1, &s), .init(.deny, .toolNotAllowed))
        XCTAssertEqual(s.denials, 1)
    }

    func testMissingParameterAndNonObjectArguments() {
        var s = Engine.SessionState()
        XCTAssertEqual(decide("echo", #"{"query":"q"}"#, at: T.t0 + 1, &s), .init(.deny, .missingParameter))
        XCTAssertEqual(engine.decide(tool: "echo", arguments: nil, timeMS: T.t0 + 1, state: &s), .init(.deny, .missingParameter))
        XCTAssertEqual(decide("echo", #"["text"]"#, at: T.t0 + 1, &s), .init(.deny, .missingParameter))
        // A present parameter counts even when null.
        XCTAssertEqual(decide("echo", #"{"text":null}"#, at: T.t0 + 1, &s), .init(.allow, .ok))
    }

    func testRateLimitNamesTheLimitAndSlides() {
        var s = Engine.SessionState()
        XCTAssertEqual(decide("search", at: T.t0 + 1_000, &s).decision, .allow)
        XCTAssertEqual(decide("search", at: T.t0 + 2_000, &s).decision, .allow)
        XCTAssertEqual(decide("search", at: T.t0 + 3_000, &s), .init(.deny, .rateLimited, limit: "search-burst"))
        // Denied calls do not count; other tools are not limited.
        XCTAssertEqual(decide("echo", at: T.t0 + 3_500, &s).decision, .allow)
        // The window is (t − 60000, t]: the first call leaves it at t0 + 61000.
        XCTAssertEqual(decide("search", at: T.t0 + 60_999, &s).decision, .deny)
        XCTAssertEqual(decide("search", at: T.t0 + 61_000, &s).decision, .allow)
    }

    func testValidityWindowIsTheSafeState() {
        var s = Engine.SessionState()
        XCTAssertEqual(decide("echo", at: T.t0 - 1, &s), .init(.deny, .artifactNotYetValid))
        XCTAssertEqual(decide("echo", at: T.t0 + T.hour, &s), .init(.deny, .artifactExpired))
        XCTAssertEqual(decide("delete_file", at: T.t0 + T.hour + 5, &s), .init(.deny, .artifactExpired))
        XCTAssertEqual(decide("echo", at: T.t0 + T.hour - 1, &s).decision, .allow)
    }

    func testBehavioralDriftAppliesOnDrift() throws {
        for (action, expected) in [("deny", Receipt.Decision.deny), ("phantom", .phantom)] {
            let e = Engine(artifact: try T.artifact(T.policyJSON(maxDenials: 1, onDrift: action)).artifact)
            var s = Engine.SessionState()
            // One denial is within the baseline of 1; the second exceeds it.
            _ = e.decide(tool: "x", arguments: nil, timeMS: T.t0, state: &s)
            XCTAssertEqual(e.decide(tool: "echo", arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0, state: &s).decision, .allow)
            _ = e.decide(tool: "x", arguments: nil, timeMS: T.t0, state: &s)
            XCTAssertEqual(e.decide(tool: "echo", arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0, state: &s),
                           .init(expected, .behavioralDrift))
        }
    }

    func testResults() {
        XCTAssertEqual(engine.decideResult(isError: false, timeMS: T.t0 + 1), .init(.record, .ok))
        XCTAssertEqual(engine.decideResult(isError: true, timeMS: T.t0 + 1), .init(.deny, .upstreamError))
        XCTAssertEqual(engine.decideResult(isError: false, timeMS: T.t0 + T.hour), .init(.deny, .artifactExpired))
    }

    func testReceiptToolNameForNamesOutsideTheRepertoire() {
        XCTAssertEqual(Recorder.receiptToolName(.string("echo")), "echo")
        let odd = Recorder.receiptToolName(.string("rm -rf /"))
        XCTAssertTrue(odd.hasPrefix("sha256:"))
        XCTAssertEqual(odd.utf8.count, 71)
        XCTAssertTrue(Recorder.receiptToolName(nil).hasPrefix("sha256:"))
    }
}
