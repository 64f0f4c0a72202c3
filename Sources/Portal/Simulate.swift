import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// `simulate`: a recorded or scripted list of calls through the same engine and recorder as `run`,
/// with no upstream, into an in-memory log and then a bundle.
///
/// The calls file is JSON Lines; each line one object:
///     {"time_ms": <integer ms>, "session_id": "<token>", "tool": "<name>", "arguments": {…}}
/// with an optional "result": <any JSON> — the response of the tool, recorded as a tool_result
/// receipt at the same time when the call is allowed. `arguments` may be omitted (no arguments).
/// A runtime measurement instead of a call:
///     {"time_ms": <integer ms>, "session_id": "<token>", "measurement": "<64 lowercase hex>"}
/// seals a measurement receipt exactly as `run` does (compared with runtime.reference_hash; a
/// mismatch is runtime drift for the rest of that session).
/// Times within one session must not go backwards. Blank lines are not allowed.
package enum Simulator {
    package struct Call: Sendable {
        package var timeMS: Int64
        package var sessionID: String
        package var tool: String
        package var arguments: JSONValue?
        package var result: JSONValue?
        /// Set for a measurement line (then `tool` is empty and `arguments`/`result` are nil).
        package var measurement: Hash256? = nil
    }

    package static let maxCallsFileBytes = 1 << 34
    package static let maxLineBytes = 16 << 20

    package static func parseCalls(_ bytes: [UInt8], file: String = "calls") throws(PortalError) -> [Call] {
        var calls: [Call] = []
        var lastTime: [String: Int64] = [:]
        var start = 0
        var number = 0
        var options = JSONParseOptions.general
        options.maxBytes = maxLineBytes
        options.maxDepth = 64
        while start < bytes.count {
            number += 1
            let end = bytes[start...].firstIndex(of: 0x0a) ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            let here = "\(file):\(number)"
            let value: JSONValue
            do { value = try JSONParser.parse(line, options: options) } catch {
                throw PortalError(.calls, here, "\(error.code.rawValue) at byte \(error.offset): \(error.reason)")
            }
            guard case .object(let object) = value else { throw PortalError(.calls, here, "a call is a JSON object") }
            let isMeasurement = object["measurement"] != nil
            let allowed = isMeasurement ? ["time_ms", "session_id", "measurement"] : ["time_ms", "session_id", "tool", "arguments", "result"]
            for name in object.names where !allowed.contains(where: { $0.utf8.elementsEqual(name.utf8) }) {
                throw PortalError(.calls, "\(here): \(name)",
                                  isMeasurement ? "a measurement line has only time_ms, session_id and measurement" : "unknown member")
            }
            guard case .number(.integer(let t)) = object["time_ms"] ?? .null, t >= 0 else {
                throw PortalError(.calls, "\(here): time_ms", "required: a non-negative integer (milliseconds since the epoch)")
            }
            guard case .string(let session) = object["session_id"] ?? .null, !session.isEmpty, session.utf8.count <= 128,
                  session.utf8.allSatisfy(Repertoire.isTokenByte) else {
                throw PortalError(.calls, "\(here): session_id", "required: 1 to 128 characters of A-Z a-z 0-9 . _ : / -")
            }
            var measured: Hash256?
            var tool = ""
            if isMeasurement {
                guard case .string(let hex) = object["measurement"] ?? .null, hex.utf8.count == 64,
                      hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                      let digest = Hash256(hex: hex) else {
                    throw PortalError(.calls, "\(here): measurement", "a SHA-256 digest: 64 lowercase hex digits")
                }
                measured = digest
            } else {
                guard case .string(let name) = object["tool"] ?? .null else {
                    throw PortalError(.calls, "\(here): tool", "required: a string")
                }
                tool = name
            }
            if let previous = lastTime[session], t < previous {
                throw PortalError(.callsTimeRegression, "\(here): time_ms", "\(t) is before the session's previous call at \(previous)")
            }
            lastTime[session] = t
            calls.append(Call(timeMS: t, sessionID: session, tool: tool, arguments: object["arguments"], result: object["result"],
                              measurement: measured))
        }
        return calls
    }

    package struct Summary: Equatable, Sendable {
        package var receipts = 0
        package var calls = 0
        package var measurements = 0
        /// "decision/reason" of calls, "measurement:decision/reason" of measurements → count.
        package var decisions: [String: Int] = [:]
    }

    /// `--seed`: a log id derived from a text (reproducible synthetic bundles).
    package static func seededLogID(_ seed: String) -> Hash256 {
        SHA256Hasher.hash(Array("portal-simulate/log-id/\(seed)".utf8))
    }

    /// `--seed`: salt n (from 1) is SHA-256("portal-simulate/salt/<seed>/<n>"). Anyone who knows the
    /// seed can recompute the salts, so such salts do not hide payloads: for synthetic data only.
    package static func seededSalts(_ seed: String) -> () -> [UInt8] {
        var n = 0
        return {
            n += 1
            return SHA256Hasher.hash(Array("portal-simulate/salt/\(seed)/\(n)".utf8)).bytes
        }
    }

    /// Runs `calls` under `artifact` (whose parents, if it is a sub-mandate, are in `parents`) and
    /// returns the bundle (full scope) and a summary. A checkpoint is signed every `checkpointEvery`
    /// receipts and after the last.
    package static func run(calls: [Call], artifact: SealedArtifact, parents: [SealedArtifact], portal: SigningIdentity,
                            logID: Hash256, checkpointEvery: Int, tier: Int64, issuerKeys: [PublicKey] = [],
                            salt: (() -> [UInt8])? = nil) throws(PortalError) -> (bundle: [UInt8], summary: Summary) {
        try artifact.requirePortalKey(portal.publicKey)
        for p in parents { try p.requireProfile(portal.profile) }
        let log = EvidenceLog(logID: logID, portal: portal)
        let recorder = salt.map { Recorder(log: log, sink: nil, checkpointEvery: checkpointEvery, salt: $0) }
            ?? Recorder(log: log, sink: nil, checkpointEvery: checkpointEvery)
        var summary = Summary()
        for call in calls {
            if let digest = call.measurement {
                let outcome = try recorder.measurement(artifact: artifact, sessionID: call.sessionID, digest: digest, timeMS: call.timeMS)
                summary.measurements += 1
                summary.decisions["measurement:\(outcome.verdict.decision.rawValue)/\(outcome.verdict.reason.rawValue)", default: 0] += 1
                try recorder.checkpointIfDue(nowMS: call.timeMS)
                continue
            }
            let outcome = try recorder.call(artifact: artifact, sessionID: call.sessionID, name: .string(call.tool),
                                            arguments: call.arguments, timeMS: call.timeMS)
            summary.calls += 1
            summary.decisions["\(outcome.verdict.decision.rawValue)/\(outcome.verdict.reason.rawValue)", default: 0] += 1
            if outcome.verdict.decision == .allow, let result = call.result {
                _ = try recorder.result(artifact: artifact, sessionID: call.sessionID, tool: outcome.tool,
                                        payload: JCS.canonicalize(result), isError: false, timeMS: call.timeMS)
            }
            try recorder.checkpointIfDue(nowMS: call.timeMS)
        }
        guard !log.entries.isEmpty else { throw PortalError(.nothingToExport, "", "the calls file holds no call") }
        try recorder.checkpoint(nowMS: 0)
        summary.receipts = log.entries.count
        var options = Exporter.Options()
        options.tier = tier
        options.issuerKeys = issuerKeys
        let result = try Exporter.bundle(logID: logID, portal: portal, receipts: log.entries, checkpoints: log.checkpoints,
                                         artifacts: [artifact] + parents, options: options)
        return (result.bundle, summary)
    }
}
