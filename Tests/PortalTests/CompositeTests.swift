import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON
import Verifier
import XCTest
@testable import Portal

/// The `mldsa65-ed25519` profile through the Portal library: key files, sealing, the one-profile
/// rule, simulate and export, and reproducible exports through pinned signatures.
final class CompositeTests: XCTestCase {
    let calls = """
    {"time_ms":1767225601000,"session_id":"s1","measurement":"\(String(repeating: "0", count: 64))"}
    {"time_ms":1767225601000,"session_id":"s1","tool":"echo","arguments":{"text":"hi"},"result":{"content":[]}}
    {"time_ms":1767225602000,"session_id":"s1","tool":"rm","arguments":{}}
    {"time_ms":1767225604000,"session_id":"s2","tool":"search","arguments":{"query":"a"}}
    """

    func testKeyFilesOfTheCompositeProfile() throws {
        let dir = try T.tempDir()
        var n: UInt8 = 0
        let key = try KeyFiles.generate(prefix: dir + "/pq", profile: .mldsa65Ed25519, random: { count in
            n += 1
            return [UInt8](repeating: n, count: count)
        })
        XCTAssertEqual(key.profile, .mldsa65Ed25519)
        XCTAssertEqual(key.bytes.count, 1984)
        let secret = try FileIO.read(dir + "/pq.key", limit: 1 << 16)
        // alg, then the Ed25519 seed (drawn second), then the ML-DSA seed (drawn first), canonical JSON.
        let expected = #"{"alg":"mldsa65-ed25519","ed25519_seed":"\#(Base64URL.encode([UInt8](repeating: 2, count: 32)))","mldsa_seed":"\#(Base64URL.encode([UInt8](repeating: 1, count: 32)))"}"# + "\n"
        XCTAssertEqual(String(decoding: secret, as: UTF8.self), expected)
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/pq.key")
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let identity = try KeyFiles.readSecret(dir + "/pq.key")
        XCTAssertEqual(identity.publicKey, key)
        XCTAssertEqual(try KeyFiles.readPublic(dir + "/pq.pub"), key)
        // The public file is what verify --trust reads: the key object.
        XCTAssertEqual(try FileIO.read(dir + "/pq.pub", limit: 1 << 16), JCS.canonicalize(key.json) + [0x0a])
        assertCode(.fileExists) { try KeyFiles.generate(prefix: dir + "/pq", profile: .mldsa65Ed25519, random: SystemRandom.bytes) }

        // Strictness: wrong members, wrong lengths, the other profile's members.
        let s = Base64URL.encode([UInt8](repeating: 1, count: 32))
        for bad in [
            #"{"alg":"mldsa65-ed25519","ed25519_seed":"\#(s)"}"#,
            #"{"alg":"mldsa65-ed25519","ed25519_seed":"\#(s)","mldsa_seed":"\#(s)","seed":"\#(s)"}"#,
            #"{"alg":"mldsa65-ed25519","ed25519_seed":"\#(s)","mldsa_seed":"\#(Base64URL.encode([1, 2]))"}"#,
            #"{"alg":"mldsa65-ed25519","seed":"\#(s)"}"#,
            #"{"alg":"ed25519","ed25519_seed":"\#(s)","mldsa_seed":"\#(s)"}"#,
            #"{"alg":"mldsa87","seed":"\#(s)"}"#,
            #"{"seed":"\#(s)"}"#,
            #"{"ed25519_seed":"\#(s)","alg":"mldsa65-ed25519","mldsa_seed":"\#(s)"}"#,
        ] {
            assertCode(.keyFile) { try KeyFiles.parseSecret(Array(bad.utf8)) }
        }
    }

    func testSealAndSimulateUnderTheCompositeProfile() throws {
        let a = try T.pqArtifact()
        XCTAssertEqual(a.artifact.profile, .mldsa65Ed25519)
        XCTAssertEqual(a.artifact.signature?.profile, .mldsa65Ed25519)
        try a.verifyIssuer(T.pqIssuer.publicKey)
        let (bundle, summary) = try Simulator.run(calls: try Simulator.parseCalls(Array(calls.utf8)), artifact: a, parents: [],
                                                  portal: T.pqPortal, logID: SHA256Hasher.hash([5]), checkpointEvery: 2, tier: 2,
                                                  salt: T.fixedSalt())
        XCTAssertEqual(summary.receipts, 5)
        let report = T.verify(bundle, anchor: T.pqIssuer.publicKey)
        assertPass(report)
        XCTAssertEqual(report.profile, "mldsa65-ed25519")
        XCTAssertEqual(report.confirmedPayloads.count, 5)
        // An Ed25519 anchor does not vouch for it.
        XCTAssertEqual(T.verify(bundle).verdict == .pass, false)
    }

    func testDeriveUnderTheCompositeProfile() throws {
        let parent = try T.pqArtifact()
        let child = try Derivation.derive(policy: Array(T.policyJSON(notAfter: T.t0 + 1000).utf8), parent: parent, portalKeys: nil,
                                          issuer: T.pqIssuer)
        let sealed = try SealedArtifact.parse(child.bytes)
        XCTAssertEqual(sealed.artifact.profile, .mldsa65Ed25519)
        XCTAssertEqual(sealed.artifact.parent, parent.ref)
        // An Ed25519 issuer cannot derive from a composite parent.
        assertCode(.profileMismatch) {
            try Derivation.derive(policy: Array(T.policyJSON(notAfter: T.t0 + 1000).utf8), parent: parent, portalKeys: nil, issuer: T.issuer)
        }
        assertCode(.profileMismatch) {
            try Derivation.derive(policy: Array(T.policyJSON(notAfter: T.t0 + 1000).utf8), parent: parent,
                                  portalKeys: [T.portal.publicKey], issuer: T.pqIssuer)
        }
    }

    func testMixedProfilesAreRefused() throws {
        let policy = Array(T.policyJSON().utf8)
        // Composite issuer, Ed25519 Portal key; Ed25519 issuer, composite Portal key; a mix of Portal keys.
        assertCode(.profileMismatch) { try Profiles.seal(policy: policy, portalKeys: [T.portal.publicKey], issuer: T.pqIssuer) }
        assertCode(.profileMismatch) { try Profiles.seal(policy: policy, portalKeys: [T.pqPortal.publicKey], issuer: T.issuer) }
        assertCode(.profileMismatch) {
            try Profiles.seal(policy: policy, portalKeys: [T.portal.publicKey, T.pqPortal.publicKey], issuer: T.issuer)
        }
        // The error names the offending key file.
        do {
            _ = try Profiles.seal(policy: policy, portalKeys: [T.pqPortal.publicKey], issuer: T.issuer, portalKeyPaths: ["pq.pub"])
            XCTFail("a mixed seal was accepted")
        } catch {
            XCTAssertEqual(error.location, "--portal-key pq.pub")
        }
        // A Portal key of another profile than the artifact's cannot run, simulate or export it.
        assertCode(.profileMismatch) { try T.pqArtifact().requirePortalKey(T.portal.publicKey) }
        assertCode(.profileMismatch) { try T.artifact().requirePortalKey(T.pqPortal.publicKey) }
        assertCode(.profileMismatch) {
            try Simulator.run(calls: try Simulator.parseCalls(Array(calls.utf8)), artifact: try T.artifact(), parents: [], portal: T.pqPortal,
                              logID: SHA256Hasher.hash([5]), checkpointEvery: 2, tier: 1)
        }
    }

    /// Two exports of one state give the same bytes: the manifest signature is pinned.
    func testExportsThroughPinsAreByteIdentical() throws {
        let a = try T.pqArtifact()
        let log = EvidenceLog(logID: SHA256Hasher.hash([6]), portal: T.pqPortal)
        let rec = Recorder(log: log, sink: nil, checkpointEvery: 0, salt: T.fixedSalt())
        for call in try Simulator.parseCalls(Array(calls.utf8)) where call.measurement == nil {
            _ = try rec.call(artifact: a, sessionID: call.sessionID, name: .string(call.tool), arguments: call.arguments, timeMS: call.timeMS)
        }
        try rec.checkpoint(nowMS: 0)
        let dir = try T.tempDir()
        let pinsPath = dir + "/" + PinStore.fileName

        func export(tier: Int64) throws -> [UInt8] {
            let (pins, previous) = try PinStore.load(pinsPath)
            let signer = SigningIdentity.derived(label: "portal-test/pq-portal", profile: .mldsa65Ed25519, pins: pins)
            var o = Exporter.Options()
            o.tier = tier
            let bundle = try Exporter.bundle(logID: log.logID, portal: signer, receipts: log.entries, checkpoints: log.checkpoints,
                                             artifacts: [a], options: o).bundle
            XCTAssertEqual(try PinStore.save(pinsPath, previous: previous, pins: pins), 0)
            return bundle
        }
        let first = try export(tier: 1)
        let tier2 = try export(tier: 2)
        XCTAssertEqual(try export(tier: 1), first)
        XCTAssertEqual(try export(tier: 2), tier2)
        XCTAssertEqual(try export(tier: 1), first)
        assertPass(T.verify(first, anchor: T.pqIssuer.publicKey))
        assertPass(T.verify(tier2, anchor: T.pqIssuer.publicKey))
        // Two pins kept (one manifest per tier); without pins the bytes differ (ML-DSA is randomized).
        XCTAssertEqual(try FileIO.read(pinsPath, limit: 1 << 20).filter { $0 == 0x0a }.count, 2)
        var o = Exporter.Options()
        o.tier = 1
        let unpinned = try Exporter.bundle(logID: log.logID, portal: T.pqPortal, receipts: log.entries, checkpoints: log.checkpoints,
                                           artifacts: [a], options: o).bundle
        XCTAssertNotEqual(unpinned, first)
    }

    func testPinStoreMerge() {
        func line(_ k: String, _ d: String, _ s: String = "AA") -> [UInt8] {
            Array(#"{"digest":"\#(d)","key_id":"\#(k)","sig":"\#(s)"}"#.utf8) + [0x0a]
        }
        let previous = line("k", "1") + line("k", "2") + Array("garbage\n".utf8) + line("k", "3")
        let (merged, dropped) = PinStore.merged(previous: previous, used: line("k", "2", "BB") + line("k", "4"))
        XCTAssertEqual(dropped, 1)
        // Unused pins keep their order; used ones move to the end with their current signature.
        XCTAssertEqual(merged, line("k", "1") + line("k", "3") + line("k", "2", "BB") + line("k", "4"))
        // At most maxPins, the newest kept.
        let many = (0..<(PinStore.maxPins + 5)).flatMap { line("k", "\($0)") }
        let capped = PinStore.merged(previous: many, used: []).bytes
        XCTAssertEqual(capped.filter { $0 == 0x0a }.count, PinStore.maxPins)
        XCTAssertEqual(Array(capped.prefix(line("k", "5").count)), line("k", "5"))
    }
}
