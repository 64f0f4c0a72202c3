import BundleKit
import EvidenceCrypto
import EvidenceFormat
import XCTest
@testable import Portal

final class PolicyTests: XCTestCase {
    func testSealedArtifactRoundTripsAndVerifies() throws {
        let a = try T.artifact()
        XCTAssertEqual(a.artifact.portalKeys, [T.portal.publicKey])
        XCTAssertNil(a.artifact.parent)
        XCTAssertEqual(a.artifact.tools.map(\.name), ["echo", "search"])
        try a.verifyIssuer(T.issuer.publicKey)
        try a.requirePortalKey(T.portal.publicKey)
        assertCode(.artifact) { try a.verifyIssuer(T.portal.publicKey) }
        assertCode(.portalKeyNotNamed) { try a.requirePortalKey(T.issuer.publicKey) }
    }

    func field(_ json: String) -> String? {
        do {
            _ = try PolicyFile.parse(Array(json.utf8), portalKeys: [T.portal.publicKey])
            return nil
        } catch {
            XCTAssertEqual(error.code, .policy)
            return error.location
        }
    }

    func testErrorsNameTheField() {
        let good = T.policyJSON()
        XCTAssertNil(field(good))
        XCTAssertEqual(field(good.replacingOccurrences(of: #""on_expiry":"deny""#, with: #""on_expiry":"allow""#)), "on_expiry")
        XCTAssertEqual(field(good.replacingOccurrences(of: #""window_ms":60000"#, with: #""window_ms":0"#)), "rate_limits[0].window_ms")
        XCTAssertEqual(field(good.replacingOccurrences(of: #""max_calls":2"#, with: #""max_calls":2.5"#)), "rate_limits[0].max_calls")
        XCTAssertEqual(field(good.replacingOccurrences(of: #","on_drift":"deny""#, with: "")), "on_drift")
        XCTAssertEqual(field(good.replacingOccurrences(of: #""artifact_id""#, with: #""portal_keys":[],"artifact_id""#)), "portal_keys")
        XCTAssertEqual(field(T.policyJSON(tools: #"[{"name":"search","required_params":[]},{"name":"echo","required_params":[]}]"#,
                                          limits: "[]")), "tools[1]")
        XCTAssertEqual(field(T.policyJSON(tools: #"[{"name":"echo","required_params":["b","a"]}]"#, limits: "[]")),
                       "tools[0].required_params[1]")
        XCTAssertEqual(field(T.policyJSON(notBefore: 10, notAfter: 10)), "not_after_ms")
        XCTAssertEqual(field(T.policyJSON(limits: #"[{"id":"x","tool":"nope","max_calls":1,"window_ms":1}]"#)), "rate_limits[0].tool")
        XCTAssertEqual(field(good.replacingOccurrences(of: "\"id_hash\":\"aaaa", with: "\"id_hash\":\"zzzz")), "subject.id_hash")
        XCTAssertNotNil(field("{"))
    }

    func testDeriveNarrowsAndRefusesToWiden() throws {
        let parent = try T.artifact()
        let narrow = T.policyJSON(notBefore: T.t0 + 1, notAfter: T.t0 + 1000, maxDenials: 5,
                                  limits: #"[{"id":"search-burst","tool":"search","max_calls":1,"window_ms":60000}]"#)
        let sealed = try Derivation.derive(policy: Array(narrow.utf8), parent: parent, portalKeys: nil, issuer: T.issuer)
        let child = try SealedArtifact.parse(sealed.bytes)
        XCTAssertEqual(child.artifact.parent, parent.ref)

        func widens(_ json: String, _ field: String, file: StaticString = #filePath, line: UInt = #line) {
            do {
                _ = try Derivation.derive(policy: Array(json.utf8), parent: parent, portalKeys: nil, issuer: T.issuer)
                XCTFail("not refused", file: file, line: line)
            } catch {
                XCTAssertEqual(error.code, .deriveWidens, file: file, line: line)
                XCTAssertEqual(error.location, field, file: file, line: line)
            }
        }
        widens(T.policyJSON(notAfter: T.t0 + T.hour + 1), "not_after_ms")
        widens(T.policyJSON(notBefore: T.t0 - 1), "not_before_ms")
        widens(T.policyJSON(tools: #"[{"name":"delete","required_params":[]},{"name":"echo","required_params":["text"]},{"name":"search","required_params":["query"]}]"#), "tools[0].name")
        widens(T.policyJSON(tools: #"[{"name":"echo","required_params":[]},{"name":"search","required_params":["query"]}]"#), "tools[0].required_params")
        widens(T.policyJSON(limits: "[]"), "rate_limits")
        widens(T.policyJSON(limits: #"[{"id":"search-burst","tool":"search","max_calls":3,"window_ms":60000}]"#), "rate_limits[0].max_calls")
        widens(T.policyJSON(limits: #"[{"id":"search-burst","tool":"search","max_calls":2,"window_ms":59999}]"#), "rate_limits[0].window_ms")
        widens(T.policyJSON(maxDenials: 101), "baseline.max_session_denials")
        widens(T.policyJSON(onDrift: "phantom"), "on_drift")
        assertCode(.deriveWidens) {
            try Derivation.derive(policy: Array(T.policyJSON().utf8), parent: parent, portalKeys: [T.issuer.publicKey], issuer: T.issuer)
        }
    }

    func testKeyFiles() throws {
        let dir = try T.tempDir()
        let seed = [UInt8](repeating: 7, count: 32)
        let pub = try KeyFiles.generate(prefix: dir + "/k", seed: seed)
        let secret = try KeyFiles.readSecret(dir + "/k.key")
        XCTAssertEqual(secret.publicKey, pub)
        XCTAssertEqual(try KeyFiles.readPublic(dir + "/k.pub"), pub)
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/k.key")
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        assertCode(.fileExists) { try KeyFiles.generate(prefix: dir + "/k", seed: seed) }
        // The public file is a verify --trust file: canonical key object and a newline.
        XCTAssertEqual(try FileIO.read(dir + "/k.pub", limit: 4096), SealedDocument(pub.json).bytes + [0x0a])
        assertCode(.keyFile) { try KeyFiles.parseSecret(Array(#"{"seed":"AA","alg":"ed25519"}"#.utf8)) }
        assertCode(.keyFile) { try KeyFiles.parseSecret(Array(#"{"alg":"ed25519","seed":"AAAA"}"#.utf8)) }
        assertCode(.keyFile) { try KeyFiles.parsePublic(Array(#"{"alg":"rsa","public":"AAAA"}"#.utf8)) }
    }
}
