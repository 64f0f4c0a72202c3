import EvidenceCrypto
import StrictJSON

/// One sealed decision or measurement, signed by a Portal key that its artifact names.
///
/// `receipt_hash` is SHA-256 of the receipt's JCS form, signature included (the bytes of its line
/// in `receipts.jsonl`). `prev` is the `receipt_hash` of the previous receipt of the same session,
/// or the session's genesis value for `seq` 0.
package struct Receipt: Sendable, Equatable {
    package enum Event: String, Sendable, CaseIterable {
        /// A `tools/call` request was decided.
        case toolCall = "tool_call"
        /// The response to an earlier call was recorded (or, after expiry, refused).
        case toolResult = "tool_result"
        /// The upstream runtime was measured against the sealed reference hash.
        case measurement = "measurement"
    }

    package enum Decision: String, Sendable, CaseIterable {
        case allow, deny, phantom, record
    }

    /// Stable reason codes. A DENY for a rate limit names the limit in `limit`.
    package enum Reason: String, Sendable, CaseIterable {
        case ok
        case toolNotAllowed = "tool_not_allowed"
        case missingParameter = "missing_parameter"
        case rateLimited = "rate_limited"
        case artifactExpired = "artifact_expired"
        case artifactNotYetValid = "artifact_not_yet_valid"
        case runtimeDrift = "runtime_drift"
        case behavioralDrift = "behavioral_drift"
        case upstreamMismatch = "upstream_mismatch"
        case upstreamError = "upstream_error"
    }

    package var artifactRef: Hash256
    package var sessionID: String
    package var seq: Int64
    package var timeMS: Int64
    package var event: Event
    package var tool: String?
    package var decision: Decision
    package var reason: Reason
    package var limit: String?
    /// SHA-256(salt ‖ payload): 32 fresh random salt bytes, then the payload bytes.
    package var payloadHash: Hash256
    package var prev: Hash256
    package var signature: SignatureBlock?

    package static let members = [
        "type", "version", "artifact_ref", "session_id", "seq", "time_ms", "event", "tool", "decision",
        "reason", "limit", "payload_hash", "prev", "signature",
    ]

    package init(
        artifactRef: Hash256, sessionID: String, seq: Int64, timeMS: Int64, event: Event, tool: String?,
        decision: Decision, reason: Reason, limit: String?, payloadHash: Hash256, prev: Hash256
    ) {
        self.artifactRef = artifactRef
        self.sessionID = sessionID
        self.seq = seq
        self.timeMS = timeMS
        self.event = event
        self.tool = tool
        self.decision = decision
        self.reason = reason
        self.limit = limit
        self.payloadHash = payloadHash
        self.prev = prev
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .receipt)
        try r.expectType(.receipt)
        artifactRef = try r.hash("artifact_ref")
        sessionID = try r.string("session_id", repertoire: .token)
        seq = try r.int("seq", min: 0)
        timeMS = try r.int("time_ms", min: 0)
        event = try r.enumeration("event", Event.self)
        tool = try r.optionalString("tool", repertoire: .token)
        decision = try r.enumeration("decision", Decision.self)
        reason = try r.enumeration("reason", Reason.self)
        limit = try r.optionalString("limit", repertoire: .token)
        payloadHash = try r.hash("payload_hash")
        prev = try r.hash("prev")
        signature = try SignatureBlock(r)
        try checkCoherence()
    }

    /// The combinations of event, decision, reason, tool and limit that the format allows (also
    /// the last step of `decodeCanonicalLine`).
    func checkCoherence() throws(FormatError) {
        switch event {
        case .toolCall, .toolResult:
            guard tool != nil else { throw FormatError(.value, field: "tool", "a \(event.rawValue) receipt names its tool") }
        case .measurement:
            guard tool == nil else { throw FormatError(.value, field: "tool", "a measurement receipt names no tool") }
        }
        let allowed: Bool
        switch (event, decision) {
        case (.toolCall, .allow), (.measurement, .allow), (.toolResult, .record):
            allowed = reason == .ok
        case (.toolCall, .deny):
            allowed = reason != .ok && reason != .upstreamError
        case (.toolResult, .deny):
            allowed = reason == .artifactExpired || reason == .upstreamError
        case (.measurement, .deny), (.measurement, .phantom), (.toolCall, .phantom):
            allowed = reason == .runtimeDrift || reason == .behavioralDrift
        default:
            allowed = false
        }
        guard allowed else {
            throw FormatError(.value, field: "reason", "\(event.rawValue) with decision \(decision.rawValue) cannot have reason \(reason.rawValue)")
        }
        guard (reason == .rateLimited) == (limit != nil) else {
            throw FormatError(.value, field: "limit", "limit is set exactly when the reason is rate_limited")
        }
    }

    package var body: JSONObject {
        JSONObject([
            (name: "type", value: .str(ObjectType.receipt.rawValue)),
            (name: "version", value: .int(1)),
            (name: "artifact_ref", value: .hash(artifactRef)),
            (name: "session_id", value: .str(sessionID)),
            (name: "seq", value: .int(seq)),
            (name: "time_ms", value: .int(timeMS)),
            (name: "event", value: .str(event.rawValue)),
            (name: "tool", value: .optional(tool)),
            (name: "decision", value: .str(decision.rawValue)),
            (name: "reason", value: .str(reason.rawValue)),
            (name: "limit", value: .optional(limit)),
            (name: "payload_hash", value: .hash(payloadHash)),
            (name: "prev", value: .hash(prev)),
        ])
    }

    /// `prev` of a session's first receipt: SHA-256 of the JCS form of
    /// `{"artifact_ref": …, "session_id": …, "type": "genesis"}`, so that a chain cannot be spliced
    /// onto another session or another artifact.
    package static func genesis(artifactRef: Hash256, sessionID: String) -> Hash256 {
        SHA256Hasher.hash(JCS.canonicalize(.obj([
            ("type", .str(ObjectType.genesis.rawValue)),
            ("artifact_ref", .hash(artifactRef)),
            ("session_id", .str(sessionID)),
        ])))
    }
}

/// SHA-256(salt ‖ payload), the payload commitment of receipts.
package enum PayloadCommitment {
    package static let saltBytes = 32

    package static func hash(salt: [UInt8], payload: [UInt8]) -> Hash256 {
        SHA256Hasher.hash(salt, payload)
    }
}
