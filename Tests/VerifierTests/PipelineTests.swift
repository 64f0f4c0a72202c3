import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON
import Verifier
import XCTest

/// In-process verification of evidence built for one rule at a time. Each test asserts the exact
/// multiset of failure codes.
final class PipelineTests: XCTestCase {
    let issuer = sample.issuer
    let portal = sample.portal
    let t0 = SampleEvidence.t0
    let salt = [UInt8](repeating: 7, count: 32)

    func verify(_ bytes: [UInt8], anchors: [PublicKey]? = nil, requireTrust: Bool = false,
                external: [(name: String, bytes: [UInt8])] = []) -> Report {
        BundleVerifier.verify(bundle: bytes, options: VerifyOptions(
            trustAnchors: anchors ?? [issuer.publicKey], requireTrust: requireTrust, externalPayloads: external))
    }

    func assertCodes(_ report: Report, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(report.failureCodes.sorted(), expected.sorted(),
                       report.failures.map { "\($0.code) \($0.detail)" }.joined(separator: "\n"), file: file, line: line)
        XCTAssertEqual(report.verdict, expected.isEmpty ? .pass : .fail, file: file, line: line)
    }

    /// A one-session bundle: `artifacts` sealed by `sealer` (default: the issuer), receipts added by
    /// `body` with the sealed artifact refs, one checkpoint, the manifest signed by the log's key.
    func bundle(_ artifacts: [PolicyArtifact], sealer: SigningIdentity? = nil, portal logKey: SigningIdentity? = nil,
                delegations: [SealedDocument] = [], tier: Int64 = 1, sessions: [String]? = nil,
                _ body: (EvidenceLog, [Hash256]) -> Void) throws -> [UInt8] {
        var sealed: [SealedDocument] = []
        for var a in artifacts {
            if a.parent != nil, let parentRef = sealed.first?.hash, a.parent == Hash256(bytes: [UInt8](repeating: 0, count: 32)) {
                a.parent = parentRef
            }
            sealed.append(a.sealed(by: sealer ?? issuer))
        }
        let log = EvidenceLog(logID: SHA256Hasher.hash(Array("test/log".utf8)), portal: logKey ?? portal)
        body(log, sealed.map(\.hash))
        log.checkpoint(timeMS: (log.entries.last?.receipt.timeMS ?? t0) + 1)
        var req = BundleRequest(log: log, artifacts: sealed)
        req.delegations = delegations
        req.issuerKeys = [(sealer ?? issuer).publicKey]
        req.tier = tier
        req.sessions = sessions
        return try BundleWriter.bundle(req)
    }

    /// A placeholder parent reference, replaced by the first artifact's ref in `bundle`.
    var parentPlaceholder: Hash256 { Hash256(bytes: [UInt8](repeating: 0, count: 32))! }

    func call(_ log: EvidenceLog, _ ref: Hash256, _ session: String = "s", at t: Int64, tool: String = "read_file",
              decision: Receipt.Decision = .allow, reason: Receipt.Reason = .ok, limit: String? = nil) {
        log.append(artifactRef: ref, sessionID: session, timeMS: t, event: .toolCall, tool: tool, decision: decision,
                   reason: reason, limit: limit, payload: Array("{}".utf8), salt: salt)
    }

    func child(_ change: (inout PolicyArtifact) -> Void) -> PolicyArtifact {
        var c = sample.reader
        c.parent = parentPlaceholder
        change(&c)
        return c
    }

    // MARK: sub-mandates

    func testValidSubmandatePasses() throws {
        let bytes = try bundle([sample.root, child { _ in }]) { log, refs in call(log, refs[1], at: t0 + SampleEvidence.hour + 1) }
        assertCodes(verify(bytes), [])
    }

    func testSubmandateThatWidensTheToolSet() throws {
        let c = child { $0.tools.append(.init(name: "x_admin", requiredParams: [])) }
        assertCodes(verify(try bundle([sample.root, c]) { log, refs in call(log, refs[1], at: t0 + SampleEvidence.hour + 1) }),
                    ["SUBMANDATE_TOOLS"])
    }

    func testSubmandateThatDropsARequiredParameter() throws {
        let c = child { $0.tools[0].requiredParams = [] }
        assertCodes(verify(try bundle([sample.root, c]) { log, refs in call(log, refs[1], at: t0 + SampleEvidence.hour + 1) }),
                    ["SUBMANDATE_PARAMS"])
    }

    func testSubmandateThatLoosensALimit() throws {
        let c = child { $0.rateLimits[0].maxCalls = 3 }
        assertCodes(verify(try bundle([sample.root, c]) { log, refs in call(log, refs[1], at: t0 + SampleEvidence.hour + 1) }),
                    ["SUBMANDATE_RATE_LIMIT"])
    }

    func testSubmandateThatOutlivesItsParent() throws {
        let c = child { $0.notAfterMS = sample.root.notAfterMS + 1 }
        assertCodes(verify(try bundle([sample.root, c]) { log, refs in call(log, refs[1], at: t0 + SampleEvidence.hour + 1) }),
                    ["SUBMANDATE_WINDOW"])
    }

    func testSubmandateWithAnotherUpstream() throws {
        let c = child { $0.upstream.url = "https://shadow.example/mcp" }
        assertCodes(verify(try bundle([sample.root, c]) { log, refs in call(log, refs[1], at: t0 + SampleEvidence.hour + 1) }),
                    ["SUBMANDATE_BINDING"])
    }

    func testSubmandateWhoseParentIsAbsent() throws {
        var c = sample.reader
        c.parent = SHA256Hasher.hash(Array("no such artifact".utf8))
        assertCodes(verify(try bundle([c]) { log, refs in call(log, refs[0], at: t0 + SampleEvidence.hour + 1) }),
                    ["ARTIFACT_PARENT_MISSING"])
    }

    func testWildcardRateLimitIsAccepted() throws {
        var root = sample.root
        root.rateLimits.append(.init(id: "z-all-tools", tool: "*", maxCalls: 100, windowMS: 60_000))
        let bytes = try bundle([root]) { log, refs in
            call(log, refs[0], at: t0 + 1, tool: "search", decision: .deny, reason: .rateLimited, limit: "z-all-tools")
        }
        assertCodes(verify(bytes), [])
    }

    // MARK: windows, time and chains

    func testAllowAfterExpiryIsOutsideTheWindow() throws {
        let bytes = try bundle([sample.root]) { log, refs in call(log, refs[0], at: sample.root.notAfterMS) }
        assertCodes(verify(bytes), ["RECEIPT_OUTSIDE_WINDOW"])
    }

    func testDenialsAfterExpiryAreTheSafeState() throws {
        let bytes = try bundle([sample.root]) { log, refs in
            call(log, refs[0], at: sample.root.notAfterMS - 1)
            call(log, refs[0], at: sample.root.notAfterMS, decision: .deny, reason: .artifactExpired)
            call(log, refs[0], at: sample.root.notAfterMS + 5, tool: "search", decision: .deny, reason: .artifactExpired)
        }
        assertCodes(verify(bytes), [])
    }

    func testExpiredReasonInsideTheWindow() throws {
        let bytes = try bundle([sample.root]) { log, refs in call(log, refs[0], at: t0 + 5, decision: .deny, reason: .artifactExpired) }
        assertCodes(verify(bytes), ["RECEIPT_OUTSIDE_WINDOW"])
    }

    func testTimeGoingBackwards() throws {
        let bytes = try bundle([sample.root]) { log, refs in
            call(log, refs[0], at: t0 + 10)
            call(log, refs[0], at: t0 + 9)
        }
        assertCodes(verify(bytes), ["CHAIN_TIME_REGRESSION"])
    }

    func testChainSplicedFromAnotherSession() throws {
        let bytes = try bundle([sample.root]) { log, refs in
            // A correctly signed first receipt of session "b" whose genesis is session "a"'s.
            let r = Receipt(artifactRef: refs[0], sessionID: "b", seq: 0, timeMS: t0 + 1, event: .toolCall, tool: "read_file",
                            decision: .allow, reason: .ok, limit: nil, payloadHash: SHA256Hasher.hash(salt),
                            prev: Receipt.genesis(artifactRef: refs[0], sessionID: "a"))
            log.appendUnchained(r, payload: [], salt: salt)
        }
        assertCodes(verify(bytes), ["CHAIN_GENESIS_MISMATCH"])
    }

    func testChainSplicedFromAnotherArtifact() throws {
        let bytes = try bundle([sample.root, child { _ in }]) { log, refs in
            let r = Receipt(artifactRef: refs[1], sessionID: "s", seq: 0, timeMS: t0 + SampleEvidence.hour + 1, event: .toolCall,
                            tool: "read_file", decision: .allow, reason: .ok, limit: nil, payloadHash: SHA256Hasher.hash(salt),
                            prev: Receipt.genesis(artifactRef: refs[0], sessionID: "s"))
            log.appendUnchained(r, payload: [], salt: salt)
        }
        assertCodes(verify(bytes), ["CHAIN_GENESIS_MISMATCH"])
    }

    func testSessionThatChangesArtifact() throws {
        let bytes = try bundle([sample.root, child { _ in }]) { log, refs in
            call(log, refs[0], at: t0 + SampleEvidence.hour + 1)
            call(log, refs[1], at: t0 + SampleEvidence.hour + 2)
        }
        assertCodes(verify(bytes), ["CHAIN_ARTIFACT_CHANGED"])
    }

    func testRateLimitDenialNamingAnUnknownLimit() throws {
        let bytes = try bundle([sample.root]) { log, refs in
            call(log, refs[0], at: t0 + 1, tool: "search", decision: .deny, reason: .rateLimited, limit: "no-such-limit")
        }
        assertCodes(verify(bytes), ["RECEIPT_UNKNOWN_LIMIT"])
    }

    // MARK: keys and trust

    func testPortalKeyNotNamedInTheArtifact() throws {
        let rogue = SigningIdentity.derived(label: "rogue portal")
        let bytes = try bundle([sample.root], portal: rogue) { log, refs in
            call(log, refs[0], at: t0 + 1)
            call(log, refs[0], at: t0 + 2)
        }
        // Both receipts, the checkpoint and the manifest.
        assertCodes(verify(bytes), ["SIG_KEY_NOT_AUTHORIZED", "SIG_KEY_NOT_AUTHORIZED", "SIG_KEY_NOT_AUTHORIZED", "SIG_KEY_NOT_AUTHORIZED"])
    }

    func testAttackerReSigningEverything() throws {
        // The attacker makes their own issuer and portal keys and signs a whole consistent bundle.
        let fakeIssuer = SigningIdentity.derived(label: "attacker issuer")
        let fakePortal = SigningIdentity.derived(label: "attacker portal")
        var root = sample.root
        root.portalKeys = [fakePortal.publicKey]
        let bytes = try bundle([root], sealer: fakeIssuer, portal: fakePortal) { log, refs in call(log, refs[0], at: t0 + 1) }
        assertCodes(verify(bytes), ["TRUST_ISSUER_UNTRUSTED"])
        // Without a pinned anchor it verifies against its own keys, and the report says so.
        let unpinned = verify(bytes, anchors: [])
        assertCodes(unpinned, [])
        XCTAssertFalse(unpinned.originPinned)
        assertCodes(verify(bytes, anchors: [], requireTrust: true), ["TRUST_NO_ANCHOR"])
    }

    func testDelegatedIssuer() throws {
        let delegate = SigningIdentity.derived(label: "delegate issuer")
        let delegation = KeyDelegation(delegate: delegate.publicKey, notBeforeMS: t0 - 2 * SampleEvidence.hour,
                                       notAfterMS: t0 + SampleEvidence.hour)
        let good = try bundle([sample.root], sealer: delegate, delegations: [delegation.sealed(by: issuer)]) { log, refs in
            call(log, refs[0], at: t0 + 1)
        }
        let report = verify(good)
        assertCodes(report, [])
        XCTAssertEqual(report.issuerKeys.sorted(), [issuer.keyID, delegate.keyID].sorted())

        let missing = try bundle([sample.root], sealer: delegate) { log, refs in call(log, refs[0], at: t0 + 1) }
        assertCodes(verify(missing), ["TRUST_ISSUER_UNTRUSTED"])

        let late = KeyDelegation(delegate: delegate.publicKey, notBeforeMS: t0, notAfterMS: t0 + SampleEvidence.hour)
        let outside = try bundle([sample.root], sealer: delegate, delegations: [late.sealed(by: issuer)]) { log, refs in
            call(log, refs[0], at: t0 + 1)
        }
        assertCodes(verify(outside), ["TRUST_DELEGATION_WINDOW"])

        let selfMade = try bundle([sample.root], sealer: delegate, delegations: [delegation.sealed(by: delegate)]) { log, refs in
            call(log, refs[0], at: t0 + 1)
        }
        assertCodes(verify(selfMade), ["TRUST_DELEGATION_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"])
    }

    // MARK: payloads and tiers

    func testTier1BundleCarryingAPayload() throws {
        var req = sample.fullRequest(tier: 1)
        var files = try BundleWriter.contentFiles(req)
        let e = sample.log.entries[0]
        files.append(BundleEntry(path: BundlePath.payload(e.receiptHash).path,
                                 bytes: JCS.canonicalize(PayloadDisclosure(receiptHash: e.receiptHash, salt: e.salt, payload: e.payload).json)))
        req.tier = 1
        let manifest = try BundleWriter.manifest(for: files, req)
        let bytes = try BundleWriter.tar([BundleEntry(path: BundlePath.manifestName, bytes: manifest.bytes)] + files)
        assertCodes(verify(bytes), ["PAYLOAD_IN_TIER1"])
    }

    func testDisclosureForAReceiptThatDoesNotExist() throws {
        let bytes = try BundleWriter.bundle(sample.fullRequest(tier: 1))
        let h = SHA256Hasher.hash(Array("no receipt".utf8))
        let d = PayloadDisclosure(receiptHash: h, salt: salt, payload: [1, 2, 3])
        let report = verify(bytes, external: [("\(h.hex).json", JCS.canonicalize(d.json))])
        assertCodes(report, ["PAYLOAD_UNKNOWN_RECEIPT"])
    }

    func testWrongSaltFailsConfirmation() throws {
        let bytes = try BundleWriter.bundle(sample.fullRequest(tier: 1))
        let e = sample.log.entries[3]
        var wrongSalt = e.salt
        wrongSalt[0] ^= 1
        let d = PayloadDisclosure(receiptHash: e.receiptHash, salt: wrongSalt, payload: e.payload)
        assertCodes(verify(bytes, external: [("\(e.receiptHash.hex).json", JCS.canonicalize(d.json))]), ["PAYLOAD_MISMATCH"])
        let right = PayloadDisclosure(receiptHash: e.receiptHash, salt: e.salt, payload: e.payload)
        let ok = verify(bytes, external: [("\(e.receiptHash.hex).json", JCS.canonicalize(right.json))])
        assertCodes(ok, [])
        XCTAssertEqual(ok.confirmedPayloads.map(\.seq), [e.receipt.seq])
    }

    // MARK: parsing and the manifest

    /// Rebuilds the sample's full bundle with `change` applied to its content files and a freshly
    /// signed manifest, so that only the change itself can fail.
    func resealed(_ req: BundleRequest = sample.fullRequest(), _ change: (inout [BundleEntry]) -> Void) throws -> [UInt8] {
        var files = try BundleWriter.contentFiles(req)
        change(&files)
        let manifest = try BundleWriter.manifest(for: files, req)
        return try BundleWriter.tar([BundleEntry(path: BundlePath.manifestName, bytes: manifest.bytes)] + files)
    }

    func testUnknownMemberInACheckpoint() throws {
        let bytes = try resealed { files in
            files = files.editingLines(of: "checkpoints.jsonl") { lines in
                replaceFirst(&lines[0], #"{"log_id""#, #"{"extra":1,"log_id""#)
            }
        }
        assertCodes(verify(bytes), ["FORMAT_UNKNOWN_MEMBER"])
    }

    func testBlankLineInJSONLines() throws {
        let bytes = try resealed { files in
            files = files.editing("checkpoints.jsonl") { $0.append(UInt8(ascii: "\n")) }
        }
        assertCodes(verify(bytes), ["JSONL_BLANK_LINE"])
    }

    func testNonCanonicalArtifact() throws {
        let bytes = try resealed { files in
            let i = files.firstIndex { $0.path.hasPrefix("artifacts/") }!
            var b = files[i].bytes
            b.insert(UInt8(ascii: " "), at: 1)
            files[i] = BundleEntry(path: "artifacts/\(SHA256Hasher.hash(b).hex).json", bytes: b)
        }
        // The artifact is unreadable, so the receipts that name it cannot be checked against it
        // (the other artifact still names the Portal key, so checkpoints and manifest verify).
        let report = verify(bytes)
        XCTAssertEqual(report.failureCodes.first, "JSON_NOT_CANONICAL")
        XCTAssertEqual(Set(report.failureCodes), ["JSON_NOT_CANONICAL", "RECEIPT_UNKNOWN_ARTIFACT"])
    }

    func testArtifactFileNamedWrongly() throws {
        let bytes = try resealed { files in
            let i = files.firstIndex { $0.path.hasPrefix("artifacts/") }!
            files[i] = BundleEntry(path: "artifacts/\(SHA256Hasher.hash(Array("x".utf8)).hex).json", bytes: files[i].bytes)
        }
        XCTAssertEqual(verify(bytes).failureCodes.first, "BUNDLE_NAME_MISMATCH")
    }

    // MARK: selective bundles

    func testSelectiveBundleWithATamperedInclusionProof() throws {
        let bytes = try resealed(sample.sessionRequest()) { files in
            files = files.editingLines(of: "inclusion.jsonl") { lines in
                replaceFirst(&lines[1], #""path":[""#, #""path":["0"#)
                // keep 64 hex digits: drop the digit after the inserted one
                let key = Array(#""path":["0"#.utf8)
                if let s = (0...(lines[1].count - key.count)).first(where: { Array(lines[1][$0..<($0 + key.count)]) == key }) {
                    lines[1].remove(at: s + key.count)
                }
            }
        }
        assertCodes(verify(bytes), ["MERKLE_ROOT_MISMATCH"])
    }

    func testSelectiveBundleWithoutConsistencyProofs() throws {
        let bytes = try resealed(sample.sessionRequest()) { files in files.removeAll { $0.path == "consistency.jsonl" } }
        // Three checkpoints: two pairs, each without its proof.
        assertCodes(verify(bytes), ["CONSISTENCY_PROOF_MISSING", "CONSISTENCY_PROOF_MISSING"])
    }

    func testSelectiveBundleWithABrokenConsistencyProof() throws {
        let bytes = try resealed(sample.sessionRequest()) { files in
            files = files.editingLines(of: "consistency.jsonl") { $0[0] = $0[1] }
        }
        assertCodes(verify(bytes), ["CONSISTENCY_PROOF_MISSING", "CONSISTENCY_PROOF_UNEXPECTED"])
    }

    // MARK: report

    func testFailureListIsCappedButCounted() throws {
        let bytes = try sampleEntries().editingLines(of: "receipts.jsonl") { $0.reverse() }.tar()
        let report = BundleVerifier.verify(bundle: bytes, options: VerifyOptions(trustAnchors: [issuer.publicKey], maxListedFailures: 3))
        XCTAssertEqual(report.failures.count, 3)
        XCTAssertGreaterThan(report.failureCount, 3)
        XCTAssertTrue(String(decoding: report.json(), as: UTF8.self).contains(#""failures_truncated":true"#))
    }

    func testEveryCatalogCodeIsDistinct() {
        XCTAssertEqual(Set(FailureCatalog.allCodes).count, FailureCatalog.allCodes.count)
    }
}
