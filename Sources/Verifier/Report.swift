import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// The outcome of one verification. Rendering is deterministic: the same bundle and options give
/// byte-identical text and JSON on any machine.
package struct Report: Sendable {
    package enum Verdict: String, Sendable { case pass = "PASS", fail = "FAIL" }
    package enum StageStatus: String, Sendable {
        case pass, fail
        /// Not reached: an earlier failure made the rest meaningless (archive failures only).
        case skipped
        /// The stage has nothing to check in a bundle of this scope (inclusion in a full bundle).
        case notApplicable = "not_applicable"
    }

    package struct ConfirmedPayload: Sendable, Equatable {
        package var receiptHash: Hash256
        package var sessionID: String
        package var seq: Int64
        package var source: String
    }

    package var verdict: Verdict
    /// True when the caller gave trust anchors, so that artifact issuers were checked against them
    /// (an artifact whose issuer is not an anchor then fails); false when the bundle's own keys were used.
    package var originPinned: Bool
    package var trustAnchors: [Hash256]
    package var issuerKeys: [Hash256]
    package var profile: String?
    package var tier: Int64?
    package var scope: String?
    package var receipts: Int
    package var sessions: Int
    package var checkpoints: Int
    package var artifacts: Int
    package var confirmedPayloads: [ConfirmedPayload]
    package var stages: [(Stage, StageStatus)]
    /// The listed failures (at most the configured cap), in the order they were found.
    package var failures: [Failure]
    /// How many failures were found in all, listed or not.
    package var failureCount: Int

    package var failureCodes: [String] { failures.map(\.code) }

    /// The report as JCS-canonical JSON (one line, no trailing newline).
    package func json() -> [UInt8] {
        func failureJSON(_ f: Failure) -> JSONValue {
            let line: JSONValue = f.line.map { JSONValue.int(Int64($0)) } ?? .null
            let seq: JSONValue = f.seq.map { JSONValue.int($0) } ?? .null
            return .obj([
                ("code", .str(f.code)),
                ("stage", .str(f.stage.rawValue)),
                ("file", .optional(f.file)),
                ("line", line),
                ("session_id", .optional(f.sessionID)),
                ("seq", seq),
                ("detail", .str(f.detail)),
            ])
        }
        let origin: JSONValue = .obj([
            ("pinned", .bool(originPinned)),
            ("trust_anchors", .array(trustAnchors.map { JSONValue.hash($0) })),
            ("issuer_keys", .array(issuerKeys.map { JSONValue.hash($0) })),
        ])
        let counts: [(String, JSONValue)] = [
            ("receipts", .int(Int64(receipts))),
            ("sessions", .int(Int64(sessions))),
            ("checkpoints", .int(Int64(checkpoints))),
            ("artifacts", .int(Int64(artifacts))),
            ("payloads_confirmed", .int(Int64(confirmedPayloads.count))),
            ("failures", .int(Int64(failureCount))),
        ]
        let confirmed: [JSONValue] = confirmedPayloads.map { p -> JSONValue in
            .obj([("receipt_hash", .hash(p.receiptHash)), ("session_id", .str(p.sessionID)),
                  ("seq", .int(p.seq)), ("source", .str(p.source))])
        }
        let stageList: [JSONValue] = stages.map { s -> JSONValue in
            .obj([("stage", .str(s.0.rawValue)), ("status", .str(s.1.rawValue))])
        }
        let tierValue: JSONValue = tier.map { JSONValue.int($0) } ?? .null
        let members: [(String, JSONValue)] = [
            ("report", .str("verify/1")),
            ("verdict", .str(verdict.rawValue)),
            ("origin", origin),
            ("profile", .optional(profile)),
            ("tier", tierValue),
            ("scope", .optional(scope)),
            ("counts", .obj(counts)),
            ("payloads_confirmed", .array(confirmed)),
            ("stages", .array(stageList)),
            ("failures", .array(failures.map(failureJSON))),
            ("failures_truncated", .bool(failureCount > failures.count)),
        ]
        let value = JSONValue.obj(members)
        return JCS.canonicalize(value)
    }

    /// The human report: verdict first, then origin, counts, stages and every listed failure.
    package func text(bundleName: String) -> String {
        var out: [String] = []
        // A PASS without a pinned origin never stands bare on the first line.
        let qualifier = verdict == .pass && !originPinned ? " (origin UNVERIFIED: no trust anchor)" : ""
        out.append("verify: \(verdict.rawValue)\(qualifier)  \(bundleName)")
        if originPinned {
            out.append("origin: pinned; issuer key(s) \(issuerKeys.map(\.hex).joined(separator: ", "))")
        } else {
            out.append("origin: UNVERIFIED: no trust anchor was given; issuer keys were taken from the bundle itself, so anyone could have made this evidence")
        }
        out.append("profile: \(profile ?? "-")  tier: \(tier.map(String.init) ?? "-")  scope: \(scope ?? "-")")
        out.append("counts: \(receipts) receipts, \(sessions) sessions, \(artifacts) artifacts, \(checkpoints) checkpoints, \(confirmedPayloads.count) payloads confirmed")
        out.append("stages: " + stages.map { "\($0.0.rawValue) \($0.1.rawValue)" }.joined(separator: ", "))
        for p in confirmedPayloads {
            out.append("confirmed: session \(p.sessionID) seq \(p.seq) receipt \(p.receiptHash.hex) (\(p.source))")
        }
        if failureCount > 0 {
            out.append("failures: \(failureCount)\(failureCount > failures.count ? " (first \(failures.count) listed)" : "")")
            for f in failures {
                var at: [String] = []
                if let file = f.file { at.append(f.line.map { "\(file):\($0)" } ?? file) }
                if let s = f.sessionID { at.append("session \(s)") }
                if let q = f.seq { at.append("seq \(q)") }
                let location = at.isEmpty ? "" : " " + at.joined(separator: " ")
                out.append("  \(f.code) [\(f.stage.rawValue)]\(location): \(f.detail)")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
