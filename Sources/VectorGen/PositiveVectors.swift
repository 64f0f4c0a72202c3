import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON
import TarForge

/// Valid bundles of many shapes: every one must PASS.
enum PositiveVectors {
    static func add(to suite: Suite) {
        let t0 = Clock.t0, m = Clock.minute

        let main = Base("main", Bases.mainSpec(), suite: suite)
        suite.pos("pos-main-tier2", "two sessions (one under a sub-mandate), 8 receipts, 3 checkpoints, 3 payloads disclosed in the bundle", main.bundle())
        suite.pos("pos-main-tier1", "the main evidence as a tier-1 bundle: no payloads", main.make(spec: { $0.tier = 1 }))
        suite.pos("pos-main-tier2-all-payloads", "tier 2 with every payload disclosed", main.make(spec: { $0.disclose = nil }))
        suite.pos("pos-no-trust-anchor", "no trust anchor given: PASS with the origin reported unverified (issuer key taken from keys/)", main.bundle(), trust: [])
        suite.pos("pos-require-trust-pinned", "--require-trust with the issuer pinned", main.bundle(), requireTrust: true)
        suite.pos("pos-two-trust-anchors", "two trust anchors, one of them the issuer", main.bundle(), trust: [Keys.issuerTrust, Keys.otherTrust])
        suite.pos("pos-no-issuer-key-in-bundle", "no keys/ file: the pinned anchor is all that is needed", main.make(spec: { $0.issuerKeys = [] }))
        suite.pos("pos-foreign-key-file-carried", "keys/ carries a key that is not the issuer's: information, never trust", main.make(spec: { $0.issuerKeys = [Keys.issuer.publicKey, Keys.other.publicKey] }))

        let tier1 = Base("main-tier1", { var s = Bases.mainSpec(); s.tier = 1; s.disclose = nil; return s }(), suite: suite)
        let e = tier1.receipts
        func disclosure(_ i: Int) -> (name: String, bytes: [UInt8]) {
            ("\(e[i].hash.hex).json", JCS.canonicalize(PayloadDisclosure(receiptHash: e[i].hash, salt: e[i].salt, payload: e[i].payload).json))
        }
        suite.pos("pos-external-payloads", "tier-1 bundle; two payloads confirmed from a directory beside it", tier1.bundle(), payloads: [disclosure(2), disclosure(6)])
        suite.pos("pos-external-payload-all", "tier-1 bundle; every payload confirmed from a directory beside it", tier1.bundle(), payloads: (0..<8).map(disclosure))
        suite.pos("pos-external-and-bundled", "tier 2: payloads in the bundle and another beside it", main.bundle(),
                  payloads: [("\(main.receipts[7].hash.hex).json", JCS.canonicalize(PayloadDisclosure(receiptHash: main.receipts[7].hash, salt: main.receipts[7].salt, payload: main.receipts[7].payload).json))])

        // Selective bundles: one session, with inclusion proofs and consistency proofs.
        let session = Base("session", Bases.sessionSpec(), suite: suite)
        suite.pos("pos-selective-beta", "selective tier-1 bundle of session beta (4 of 8 leaves) with inclusion and consistency proofs", session.bundle())
        suite.pos("pos-selective-alpha", "selective bundle of session alpha", session.make(spec: { $0.sessions = ["alpha"] }))
        suite.pos("pos-selective-both-sessions", "selective bundle naming both sessions (all 8 leaves, with proofs)", session.make(spec: { $0.sessions = ["alpha", "beta"] }))
        suite.pos("pos-selective-tier2", "selective tier-2 bundle with the session's payloads", session.make(spec: { $0.tier = 2 }))
        suite.pos("pos-selective-one-checkpoint", "selective bundle with a single checkpoint: no consistency proofs at all",
                  session.make(spec: { $0.checkpoints = [CheckpointSpec(size: 8)] }))

        // Single-session logs of many sizes: every odd tree shape up to 9, and some larger ones.
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 31, 33, 1000] {
            let b = Base("single-\(n)", Bases.singleSpec("single-\(n)", n), suite: suite)
            suite.pos("pos-receipts-\(n)", "one session of \(n) receipt(s), one checkpoint over all of them", b.bundle())
        }
        for (name, n, cuts) in [("pos-checkpoints-every-leaf-5", 5, [1, 2, 3, 4, 5]), ("pos-checkpoints-odd-7", 7, [3, 5, 7]),
                                ("pos-checkpoints-pow2-9", 9, [1, 2, 4, 8, 9]), ("pos-checkpoints-13", 13, [6, 11, 13])] {
            let b = Base(name, Bases.singleSpec(name, n, cuts: cuts), suite: suite)
            suite.pos(name, "\(n) receipts, checkpoints at sizes \(cuts.map(String.init).joined(separator: ", ")), each root recomputed from the leaves", b.bundle())
        }

        // Selective bundles over interleaved sessions: inclusion proofs of many shapes.
        for (n, sessions, cuts) in [(3, 2, [3]), (5, 2, [2, 5]), (7, 3, [3, 6, 7]), (9, 2, [4, 9]), (13, 3, [1, 8, 13]), (21, 4, [5, 16, 21])] {
            var receipts: [ReceiptSpec] = []
            for i in 0..<n {
                receipts.append(Bases.call(0, "s\(i % sessions)", t0 + m + Int64(i) * 500, i % 2 == 0 ? "read_file" : "search"))
            }
            let label = "selective-\(n)"
            let spec = Spec(label, artifacts: [ArtifactSpec(artifact: Artifacts.root())], receipts: receipts,
                            checkpoints: cuts.map { CheckpointSpec(size: $0) })
            let full = Base(label, spec, suite: suite)
            suite.pos("pos-selective-\(n)-of-\(sessions)", "selective bundle of session s1 from a log of \(n) leaves in \(sessions) sessions, checkpoints at \(cuts.map(String.init).joined(separator: ", "))",
                      full.make(spec: { $0.sessions = ["s1"] }))
        }

        // Many sessions; the safe state after expiry; drift; wildcard limits.
        var many: [ReceiptSpec] = []
        for i in 0..<12 { many.append(Bases.call(0, "session-\(i % 5)", t0 + m + Int64(i) * 100, "search")) }
        suite.pos("pos-five-sessions", "five interleaved sessions in one log",
                  Base("five", Spec("five", artifacts: [ArtifactSpec(artifact: Artifacts.root())], receipts: many, checkpoints: [CheckpointSpec(size: 12)]), suite: suite).bundle())

        let root = Artifacts.root()
        let expiry = Spec("expiry", artifacts: [ArtifactSpec(artifact: root)], receipts: [
            Bases.call(0, "late", root.notAfterMS - 1),
            Bases.call(0, "late", root.notAfterMS, "read_file", .deny, .artifactExpired),
            ReceiptSpec(artifact: 0, session: "late", time: root.notAfterMS + 5, event: .toolResult, tool: "read_file", decision: .deny, reason: .artifactExpired),
            Bases.call(0, "late", root.notAfterMS + 9, "search", .deny, .artifactExpired),
        ], checkpoints: [CheckpointSpec(size: 4)])
        suite.pos("pos-expiry-safe-state", "after not_after_ms only denials with reason artifact_expired: the safe state", Base("expiry", expiry, suite: suite).bundle())
        let early = Spec("early", artifacts: [ArtifactSpec(artifact: root)], receipts: [
            Bases.call(0, "early", root.notBeforeMS - 10, "read_file", .deny, .artifactNotYetValid),
            Bases.call(0, "early", root.notBeforeMS),
        ], checkpoints: [CheckpointSpec(size: 2)])
        suite.pos("pos-not-yet-valid-denial", "a denial with reason artifact_not_yet_valid before not_before_ms", Base("early", early, suite: suite).bundle())
        let drift = Spec("drift", artifacts: [ArtifactSpec(artifact: root)], receipts: [
            Bases.measure(0, "d", t0 + m),
            ReceiptSpec(artifact: 0, session: "d", time: t0 + 2 * m, event: .measurement, tool: nil, decision: .phantom, reason: .runtimeDrift),
            Bases.call(0, "d", t0 + 3 * m, "read_file", .phantom, .runtimeDrift),
            Bases.call(0, "d", t0 + 4 * m, "write_file", .deny, .behavioralDrift),
            Bases.call(0, "d", t0 + 5 * m, "write_file", .deny, .missingParameter),
            Bases.call(0, "d", t0 + 6 * m, "search", .deny, .upstreamMismatch),
            ReceiptSpec(artifact: 0, session: "d", time: t0 + 7 * m, event: .toolResult, tool: "search", decision: .deny, reason: .upstreamError),
        ], checkpoints: [CheckpointSpec(size: 7)])
        suite.pos("pos-decisions-drift-and-denials", "every decision kind: phantom on runtime drift, behavioral drift, missing parameter, upstream mismatch and error", Base("drift", drift, suite: suite).bundle())

        var wild = Artifacts.root()
        wild.rateLimits = [.init(id: "all-tools", tool: "*", maxCalls: 10, windowMS: 1_000), .init(id: "search-burst", tool: "search", maxCalls: 2, windowMS: 60_000)]
        suite.pos("pos-rate-limit-wildcard", "a denial naming a rate limit on every tool (*)",
                  Base("wild", Spec("wild", artifacts: [ArtifactSpec(artifact: wild)], receipts: [
                      Bases.call(0, "w", t0 + m, "write_file", .deny, .rateLimited, limit: "all-tools")], checkpoints: [CheckpointSpec(size: 1)]), suite: suite).bundle())

        // Keys: two Portal keys; a delegated issuer; a deep chain of sub-mandates.
        var twoKeys = Spec("two-portals", artifacts: [ArtifactSpec(artifact: Artifacts.root(portalKeys: [Keys.portal.publicKey, Keys.portal2.publicKey]))],
                           receipts: [Bases.call(0, "p", t0 + m), Bases.result(0, "p", t0 + m + 1), Bases.call(0, "p", t0 + m + 2)],
                           checkpoints: [CheckpointSpec(size: 3)])
        twoKeys.receipts[1].signer = Keys.portal2
        suite.pos("pos-two-portal-keys", "an artifact naming two Portal keys; receipts signed by either", Base("two-portals", twoKeys, suite: suite).bundle())

        suite.pos("pos-delegated-issuer", "the artifact is signed by a key the trust anchor delegated to, inside the delegation window", Base("delegated", delegatedSpec(), suite: suite).bundle())

        suite.pos("pos-submandate-depth-8", "a chain of 8 sub-mandates (the deepest allowed), receipts under the deepest", Base("depth8", chainSpec(levels: 8), suite: suite).bundle())
        suite.pos("pos-submandate-equal-to-parent", "a sub-mandate identical to its parent but for its id: not wider, so valid",
                  Base("equal-child", { var s = Bases.singleSpec("equal-child", 2); var c = Artifacts.root(); c.artifactID = "same"
                      s.artifacts.append(ArtifactSpec(artifact: c, parent: 0)); s.receipts = s.receipts.map { var r = $0; r.artifact = 1; return r }; return s }(), suite: suite).bundle())

        // Archive shapes any reader must accept.
        let single = Base("single-3-archive", Bases.singleSpec("single-3", 3), suite: suite)
        suite.pos("pos-archive-no-record-padding", "the tar ends right after the two zero blocks (no padding to 10240 bytes)",
                  single.forged { f, entries in for e in entries { f.file(e.path, contents: e.bytes) }; f.endOfArchive() })
        suite.pos("pos-archive-other-order", "entries in reverse order: the verifier does not require the writer's order",
                  single.forged { f, entries in for e in entries.reversed() { f.file(e.path, contents: e.bytes) }; f.endOfArchive(); f.padToRecord() })
        suite.pos("pos-archive-pax-path", "the manifest's name given by a pax path record (with mtime), as a POSIX writer may",
                  single.forged { f, entries in
                      for e in entries {
                          if e.path == manifestPath { f.paxFile("PaxHeader-name", records: [("path", bytes(manifestPath)), ("mtime", bytes("1767225600"))], contents: e.bytes) }
                          else { f.file(e.path, contents: e.bytes) }
                      }
                      f.endOfArchive(); f.padToRecord() })
        suite.pos("pos-archive-ustar-prefix", "an artifact path split into the ustar prefix and name fields",
                  single.forged { f, entries in
                      for e in entries {
                          if e.path.hasPrefix("artifacts/") { f.file(prefix: bytes("artifacts"), name: bytes(String(e.path.dropFirst(10))), contents: e.bytes) }
                          else { f.file(e.path, contents: e.bytes) }
                      }
                      f.endOfArchive(); f.padToRecord() })
        suite.pos("pos-archive-nul-typeflag", "regular files with the pre-POSIX NUL type flag",
                  single.forged { f, entries in for e in entries { f.file(name: bytes(e.path), contents: e.bytes, typeflag: .regularNUL) }; f.endOfArchive(); f.padToRecord() })
    }

    /// Receipts under an artifact signed by a delegate of the issuer.
    static func delegatedSpec() -> Spec {
        var s = Bases.singleSpec("delegated", 2)
        s.artifacts[0].sealer = Keys.delegate
        let d = KeyDelegation(delegate: Keys.delegate.publicKey, notBeforeMS: Clock.t0 - 2 * Clock.hour, notAfterMS: Clock.t0 + 48 * Clock.hour)
        s.delegations = [d.sealed(by: Keys.issuer).bytes]
        return s
    }

    /// A chain of `levels` sub-mandates under the root; the session runs under the deepest.
    static func chainSpec(levels: Int) -> Spec {
        var s = Bases.singleSpec("chain-\(levels)", 2)
        for i in 1...levels {
            var a = Artifacts.root()
            a.artifactID = "level-\(i)"
            s.artifacts.append(ArtifactSpec(artifact: a, parent: i - 1))
        }
        s.receipts = s.receipts.map { var r = $0; r.artifact = levels; return r }
        return s
    }
}
