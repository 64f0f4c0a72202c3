import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON
import Verifier
import XCTest

/// The `mldsa65-ed25519` profile end to end: a composite bundle verifies, profiles cannot be
/// mixed, and a signature with either component broken or stripped fails.
final class CompositeProfileTests: XCTestCase {
    nonisolated(unsafe) static let pq = SampleEvidence(profile: .mldsa65Ed25519)  // read-only after creation

    func verify(_ bytes: [UInt8]) -> Report {
        BundleVerifier.verify(bundle: bytes, options: VerifyOptions(trustAnchors: [Self.pq.issuer.publicKey]))
    }

    func resealed(_ change: (inout [BundleEntry]) -> Void) throws -> [UInt8] {
        let req = Self.pq.fullRequest()
        var files = try BundleWriter.contentFiles(req)
        change(&files)
        let manifest = try BundleWriter.manifest(for: files, req)
        return try BundleWriter.tar([BundleEntry(path: BundlePath.manifestName, bytes: manifest.bytes)] + files)
    }

    /// Replaces the `sig` of receipt line `index` with `transform(sig)`.
    func editSignature(_ index: Int, _ transform: @escaping ([UInt8]) -> [UInt8]) throws -> [UInt8] {
        try resealed { files in
            files = files.editingLines(of: "receipts.jsonl") { lines in
                guard let r = sigRange(lines[index]), let sig = try? Base64URL.decode(String(decoding: lines[index][r], as: UTF8.self)) else {
                    return XCTFail("no signature")
                }
                lines[index].replaceSubrange(r, with: Array(Base64URL.encode(transform(sig)).utf8))
            }
        }
    }

    func testCompositeBundleVerifies() throws {
        let report = verify(try BundleWriter.bundle(Self.pq.fullRequest()))
        XCTAssertEqual(report.failureCodes, [])
        XCTAssertEqual(report.profile, "mldsa65-ed25519")
        XCTAssertEqual(report.confirmedPayloads.count, 4)
    }

    func testCompositeKeysAndSignaturesHaveTheirSizes() throws {
        XCTAssertEqual(Self.pq.portal.publicKey.bytes.count, 1952 + 32)
        let line = try XCTUnwrap(Self.pq.log.entries.first?.document.bytes)
        let sig = try XCTUnwrap(sigRange(line).map { try Base64URL.decode(String(decoding: line[$0], as: UTF8.self)) })
        XCTAssertEqual(sig.count, 3309 + 64)
    }

    func testProfilesCannotBeMixed() throws {
        // Composite artifacts under an Ed25519 Portal: the manifest declares ed25519.
        var root = Self.pq.root
        let edPortal = SigningIdentity.derived(label: "ed portal")
        root.portalKeys = [edPortal.publicKey]
        let sealed = root.sealed(by: Self.pq.issuer)
        let log = EvidenceLog(logID: SHA256Hasher.hash(Array("mixed".utf8)), portal: edPortal)
        log.append(artifactRef: sealed.hash, sessionID: "s", timeMS: SampleEvidence.t0 + 1, event: .toolCall, tool: "read_file",
                   decision: .allow, reason: .ok, payload: [], salt: [UInt8](repeating: 1, count: 32))
        log.checkpoint(timeMS: SampleEvidence.t0 + 2)
        let report = verify(try BundleWriter.bundle(BundleRequest(log: log, artifacts: [sealed])))
        // The artifact's profile and its signature's profile both differ from the declared one.
        XCTAssertEqual(report.failureCodes, ["PROFILE_MISMATCH", "PROFILE_MISMATCH"])
    }

    func testSignatureStrippedToOneComponent() throws {
        for keep in [0..<3309, 3309..<3373] {
            let report = verify(try editSignature(2) { Array($0[keep]) })
            // The receipt no longer parses, so its session lacks seq 2 (the next receipt reports the gap
            // and the broken link); its raw bytes still change every root that covers it.
            XCTAssertEqual(report.failureCodes.sorted(), ["CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH",
                                                          "CHECKPOINT_ROOT_MISMATCH", "FORMAT_SIGNATURE_LENGTH"])
        }
    }

    func testEitherComponentBroken() throws {
        for range in [0..<3309, 3309..<3373] {
            let report = verify(try editSignature(2) { sig in
                var s = sig
                for i in range { s[i] = 0 }
                return s
            })
            XCTAssertEqual(report.failureCodes.sorted(), ["CHAIN_PREV_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH",
                                                          "CHECKPOINT_ROOT_MISMATCH", "SIG_INVALID"], "zeroed \(range)")
        }
    }

    func testComponentsSwappedFailToParse() throws {
        let report = verify(try editSignature(2) { Array($0[3309...]) + Array($0[..<3309]) })
        XCTAssertTrue(report.failureCodes.contains("SIG_INVALID"), "\(report.failureCodes)")
    }
}
