import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// The enforcement engine: pure. Given the sealed policy, one session's state, a call and its time,
/// it returns the decision; the caller seals it and then applies it. Time is an input: `simulate`
/// passes recorded times, `run` reads the clock in the command layer.
///
/// Rules, in order (the first that applies decides):
///  1. time < not_before_ms              → deny  artifact_not_yet_valid
///  2. time ≥ not_after_ms               → deny  artifact_expired (on_expiry: the safe state)
///  3. a measurement of this session differed from runtime.reference_hash → on_drift (deny or
///     phantom), reason runtime_drift (until the session's state is dropped: a restart)
///  4. the session's denials exceed baseline.max_session_denials → on_drift (deny or phantom),
///     reason behavioral_drift
///  5. the tool is not in the allowlist  → deny  tool_not_allowed
///  6. a required parameter is absent (arguments not an object count as none) → deny missing_parameter
///  7. a rate limit of this tool (or `*`) already counts max_calls allowed calls of this session in
///     the window (time − window_ms, time]: deny rate_limited naming the limit (limits in id order)
///  8. otherwise allow; the call counts against every limit that applies to it.
/// Rate limits, the denial count and the runtime-drift flag are per session.
///
/// Measurements (`measure`): the measured digest equal to runtime.reference_hash → allow ok;
/// otherwise (or when nothing could be measured) on_drift with reason runtime_drift, and the
/// session is marked as drifted.
package struct Engine: Sendable {
    package let artifact: PolicyArtifact

    package init(artifact: PolicyArtifact) { self.artifact = artifact }

    package struct Verdict: Sendable, Equatable {
        package var decision: Receipt.Decision
        package var reason: Receipt.Reason
        package var limit: String?

        package init(_ decision: Receipt.Decision, _ reason: Receipt.Reason, limit: String? = nil) {
            self.decision = decision
            self.reason = reason
            self.limit = limit
        }
    }

    /// What the engine remembers about one session.
    package struct SessionState: Sendable, Equatable {
        /// Times of allowed calls, per rate-limit id (only the ones still inside some window matter).
        package var allowedTimes: [String: [Int64]] = [:]
        package var denials: Int64 = 0
        /// Set by a measurement that differed from the reference (or failed): every later call of
        /// the session is handled per on_drift with reason runtime_drift.
        package var runtimeDrifted = false
        package init() {}
    }

    /// Decides a tools/call and updates the session state.
    package func decide(tool: String, arguments: JSONValue?, timeMS: Int64, state: inout SessionState) -> Verdict {
        let verdict = evaluate(tool: tool, arguments: arguments, timeMS: timeMS, state: state)
        replay(tool: tool, verdict: verdict, timeMS: timeMS, state: &state)
        return verdict
    }

    /// Applies a decision already taken (a restored receipt) to the session state.
    package func replay(tool: String, verdict: Verdict, timeMS: Int64, state: inout SessionState) {
        switch verdict.decision {
        case .allow:
            for limit in artifact.rateLimits where applies(limit, to: tool) {
                var times = state.allowedTimes[limit.id, default: []]
                times.removeAll { $0 <= timeMS - limit.windowMS }
                times.append(timeMS)
                state.allowedTimes[limit.id] = times
            }
        case .deny:
            state.denials += 1
        case .phantom, .record:
            break
        }
    }

    /// The decision without changing any state.
    package func evaluate(tool: String, arguments: JSONValue?, timeMS: Int64, state: SessionState) -> Verdict {
        if timeMS < artifact.notBeforeMS { return Verdict(.deny, .artifactNotYetValid) }
        if timeMS >= artifact.notAfterMS { return Verdict(.deny, .artifactExpired) }
        if state.runtimeDrifted { return driftVerdict(.runtimeDrift) }
        if state.denials > artifact.maxSessionDenials { return driftVerdict(.behavioralDrift) }
        guard let allowed = artifact.tool(named: tool) else { return Verdict(.deny, .toolNotAllowed) }
        let args: JSONObject? = if case .object(let o) = arguments { o } else { nil }
        for name in allowed.requiredParams where args?[name] == nil {
            return Verdict(.deny, .missingParameter)
        }
        for limit in artifact.rateLimits where applies(limit, to: tool) {
            let recent = state.allowedTimes[limit.id, default: []].filter { $0 > timeMS - limit.windowMS }
            if recent.count >= limit.maxCalls { return Verdict(.deny, .rateLimited, limit: limit.id) }
        }
        return Verdict(.allow, .ok)
    }

    /// The on_drift action with `reason`.
    func driftVerdict(_ reason: Receipt.Reason) -> Verdict {
        switch artifact.onDrift {
        case .deny: return Verdict(.deny, reason)
        case .phantom: return Verdict(.phantom, reason)
        }
    }

    /// Decides a runtime measurement: `digest` is SHA-256 of what was measured, nil when nothing
    /// could be measured (the measured file is unreadable: treated as drift, fail closed). A
    /// mismatch marks the session as drifted. Measurements do not count as denials.
    package func measure(digest: Hash256?, state: inout SessionState) -> Verdict {
        if let digest, digest == artifact.runtime.referenceHash { return Verdict(.allow, .ok) }
        state.runtimeDrifted = true
        return driftVerdict(.runtimeDrift)
    }

    /// The receipt for the response to an allowed call: recorded inside the window; after expiry
    /// the response itself is refused (the safe state); an error response is recorded as such.
    package func decideResult(isError: Bool, timeMS: Int64) -> Verdict {
        if timeMS >= artifact.notAfterMS { return Verdict(.deny, .artifactExpired) }
        if isError { return Verdict(.deny, .upstreamError) }
        return Verdict(.record, .ok)
    }

    func applies(_ limit: PolicyArtifact.RateLimit, to tool: String) -> Bool {
        limit.tool == "*" || limit.tool == tool
    }
}
