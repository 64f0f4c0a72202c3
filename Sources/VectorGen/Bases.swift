import BundleKit
import EvidenceCrypto
import EvidenceFormat

/// The valid evidence sets the negative vectors mutate.
enum Bases {
    static let t0 = Clock.t0
    static let m = Clock.minute
    static let h1 = Clock.t0 + Clock.hour

    static func call(_ a: Int, _ s: String, _ t: Int64, _ tool: String = "read_file", _ d: Receipt.Decision = .allow,
                     _ reason: Receipt.Reason = .ok, limit: String? = nil) -> ReceiptSpec {
        ReceiptSpec(artifact: a, session: s, time: t, event: .toolCall, tool: tool, decision: d, reason: reason, limit: limit)
    }
    static func result(_ a: Int, _ s: String, _ t: Int64, _ tool: String = "read_file") -> ReceiptSpec {
        ReceiptSpec(artifact: a, session: s, time: t, event: .toolResult, tool: tool, decision: .record, reason: .ok)
    }
    static func measure(_ a: Int, _ s: String, _ t: Int64) -> ReceiptSpec {
        ReceiptSpec(artifact: a, session: s, time: t, event: .measurement, tool: nil, decision: .allow, reason: .ok)
    }

    /// Two sessions (alpha under the root artifact, beta under a sub-mandate), allows and denials,
    /// a measurement, eight receipts, three checkpoints (after 3, 7 and 8), tier 2 with three
    /// disclosed payloads.
    static func mainSpec() -> Spec {
        var s = Spec("main",
            artifacts: [ArtifactSpec(artifact: Artifacts.root()), ArtifactSpec(artifact: Artifacts.reader(), parent: 0)],
            receipts: [
                call(0, "alpha", t0 + m),
                result(0, "alpha", t0 + m + 40),
                call(0, "alpha", t0 + 2 * m, "delete_file", .deny, .toolNotAllowed),
                call(1, "beta", h1 + m, "search"),
                result(1, "beta", h1 + m + 25, "search"),
                call(1, "beta", h1 + m + 9_000, "search", .deny, .rateLimited, limit: "search-burst"),
                call(0, "alpha", h1 + 2 * m, "search"),
                measure(1, "beta", h1 + 3 * m),
            ],
            checkpoints: [CheckpointSpec(size: 3), CheckpointSpec(size: 7), CheckpointSpec(size: 8)])
        s.tier = 2
        s.disclose = [0, 3, 5]
        return s
    }

    /// The same log, exported selectively: session beta only, tier 1, with inclusion and
    /// consistency proofs.
    static func sessionSpec() -> Spec {
        var s = mainSpec()
        s.tier = 1
        s.disclose = nil
        s.sessions = ["beta"]
        return s
    }

    /// One session under the root artifact: `n` receipts, checkpoints after each size in `cuts`
    /// (default: one over everything).
    static func singleSpec(_ label: String, _ n: Int, cuts: [Int]? = nil, tier: Int64 = 1) -> Spec {
        var receipts: [ReceiptSpec] = []
        for i in 0..<n {
            let t = t0 + m + Int64(i) * 1_000
            switch i % 4 {
            case 0: receipts.append(call(0, "solo", t))
            case 1: receipts.append(result(0, "solo", t))
            case 2: receipts.append(call(0, "solo", t, "search"))
            default: receipts.append(result(0, "solo", t, "search"))
            }
        }
        var s = Spec(label, artifacts: [ArtifactSpec(artifact: Artifacts.root())], receipts: receipts,
                     checkpoints: (cuts ?? [n]).map { CheckpointSpec(size: $0) })
        s.tier = tier
        return s
    }
}
