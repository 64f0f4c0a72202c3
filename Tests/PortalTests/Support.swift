import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON
import Verifier
import XCTest
@testable import Portal

/// Shared fixtures: fixed keys, a policy, a scratch directory.
enum T {
    static let issuer = SigningIdentity.derived(label: "portal-test/issuer")
    static let portal = SigningIdentity.derived(label: "portal-test/portal")
    static let t0: Int64 = 1_767_225_600_000
    static let hour: Int64 = 3_600_000

    static func policyJSON(notBefore: Int64 = t0, notAfter: Int64 = t0 + hour, maxDenials: Int64 = 100,
                           onDrift: String = "deny", tools: String? = nil, limits: String? = nil,
                           reference: String = String(repeating: "0", count: 64), intervalMS: Int64 = 60000) -> String {
        let tools = tools ?? #"[{"name":"echo","required_params":["text"]},{"name":"search","required_params":["query"]}]"#
        let limits = limits ?? #"[{"id":"search-burst","tool":"search","max_calls":2,"window_ms":60000}]"#
        return """
        {"artifact_id":"test-agent","issued_at_ms":\(notBefore),"not_before_ms":\(notBefore),"not_after_ms":\(notAfter),
         "subject":{"id_hash":"\(String(repeating: "a", count: 64))","metadata_hash":"\(String(repeating: "b", count: 64))"},
         "tools":\(tools),"rate_limits":\(limits),
         "upstream":{"url":"stdio:/usr/bin/mcp-server","tls_spki_sha256":null,"mesh_identity":null},
         "runtime":{"reference_hash":"\(reference)","measurement_interval_ms":\(intervalMS)},
         "baseline":{"max_session_denials":\(maxDenials)},"on_drift":"\(onDrift)","on_expiry":"deny"}
        """
    }

    static func artifact(_ json: String = policyJSON()) throws -> SealedArtifact {
        let a = try PolicyFile.parse(Array(json.utf8), portalKeys: [portal.publicKey])
        return try SealedArtifact.parse(a.sealed(by: issuer).bytes)
    }

    /// Composite (`mldsa65-ed25519`) fixtures.
    static let pqIssuer = SigningIdentity.derived(label: "portal-test/pq-issuer", profile: .mldsa65Ed25519)
    static let pqPortal = SigningIdentity.derived(label: "portal-test/pq-portal", profile: .mldsa65Ed25519)

    static func pqArtifact(_ json: String = policyJSON()) throws -> SealedArtifact {
        try SealedArtifact.parse(try Profiles.seal(policy: Array(json.utf8), portalKeys: [pqPortal.publicKey], issuer: pqIssuer).bytes)
    }

    static func tempDir() throws -> String {
        let path = NSTemporaryDirectory() + "portal-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func verify(_ bundle: [UInt8], trust: Bool = true, anchor: PublicKey = issuer.publicKey) -> Report {
        BundleVerifier.verify(bundle: bundle, options: VerifyOptions(trustAnchors: trust ? [anchor] : [], requireTrust: true))
    }

    static func json(_ s: String) -> JSONValue {
        (try? JSONParser.parse(Array(s.utf8), options: .general)) ?? .null
    }

    static func fixedSalt() -> () -> [UInt8] {
        var n = 0
        return {
            n += 1
            return SHA256Hasher.hash(Array("salt-\(n)".utf8)).bytes
        }
    }
}

func assertPass(_ report: Report, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(report.verdict, .pass, report.failures.map { "\($0.code) \($0.detail)" }.joined(separator: "\n"), file: file, line: line)
    XCTAssertEqual(report.failureCount, 0, file: file, line: line)
}

func assertCode<R>(_ code: PortalError.Code, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> R) {
    do {
        _ = try body()
        XCTFail("expected \(code.rawValue)", file: file, line: line)
    } catch let e as PortalError {
        XCTAssertEqual(e.code, code, "\(e)", file: file, line: line)
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
}

enum KeyFilesHelper {
    static func pub(_ path: String) throws -> PublicKey { try KeyFiles.readPublic(path) }
}
