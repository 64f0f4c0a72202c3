import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Engine + log + durable sink: decides a call, seals the receipt, makes it durable, and only then
/// reports the decision. Not thread-safe: the caller serializes (the proxy holds one lock).
package final class Recorder {
    package let log: EvidenceLog
    package let sink: ReceiptSink?
    /// Signs a checkpoint after this many receipts since the last one (0: never by count).
    package var checkpointEvery: Int
    private var sessions: [String: (state: Engine.SessionState, lastTime: Int64)] = [:]
    private let salt: () -> [UInt8]
    private var latestTime: Int64 = 0
    /// Set when a receipt could not be made durable: the in-memory log is then ahead of the disk,
    /// so every later call is refused without sealing anything (fail closed) until a restart.
    package private(set) var failed: PortalError?

    /// `log` may hold restored receipts: the sessions' engine state (allowed-call times, denials,
    /// last time) is rebuilt from them, so a continued session keeps its limits.
    package init(log: EvidenceLog, sink: ReceiptSink?, checkpointEvery: Int, artifacts: [SealedArtifact] = [],
                 salt: @escaping () -> [UInt8] = { SystemRandom.bytes(PayloadCommitment.saltBytes) }) {
        self.log = log
        self.sink = sink
        self.checkpointEvery = checkpointEvery
        self.salt = salt
        for e in log.entries {
            let r = e.receipt
            latestTime = max(latestTime, r.timeMS)
            var session = sessions[r.sessionID] ?? (Engine.SessionState(), 0)
            session.lastTime = max(session.lastTime, r.timeMS)
            if r.event == .toolCall, let tool = r.tool,
               let artifact = artifacts.first(where: { $0.ref == r.artifactRef })?.artifact {
                Engine(artifact: artifact).replay(tool: tool, verdict: .init(r.decision, r.reason, limit: r.limit),
                                                  timeMS: r.timeMS, state: &session.state)
            }
            sessions[r.sessionID] = session
        }
    }

    package struct Outcome: Sendable, Equatable {
        package var verdict: Engine.Verdict
        package var receiptHash: Hash256
        package var timeMS: Int64
        package var tool: String
    }

    /// Receipts sealed since the last checkpoint.
    package var uncheckpointed: Int {
        log.entries.count - Int(log.checkpoints.last?.checkpoint.treeSize ?? 0)
    }

    /// The tool member of a receipt: the call's name when it is a token of at most 128 bytes,
    /// otherwise `sha256:<hex>` of the name's JSON (such a name is never on an allowlist).
    package static func receiptToolName(_ name: JSONValue?) -> String {
        if case .string(let s) = name, !s.utf8.isEmpty, s.utf8.count <= 128,
           s.utf8.allSatisfy({ Repertoire.isTokenByte($0) }) {
            return s
        }
        return "sha256:" + SHA256Hasher.hash(JCS.canonicalize(name ?? .null)).hex
    }

    /// Makes a sealed receipt durable, and only then advances the session: when the receipt cannot
    /// be written nothing is committed, and the recorder refuses everything from then on (fail closed).
    private func commit(_ logged: LoggedReceipt, verdict: Engine.Verdict,
                        session: (state: Engine.SessionState, lastTime: Int64), sessionID: String,
                        time: Int64, tool: String) throws(PortalError) -> Outcome {
        var session = session
        do { try sink?.append(receipt: logged) } catch {
            failed = error
            throw error
        }
        latestTime = max(latestTime, time)
        session.lastTime = time
        sessions[sessionID] = session
        return Outcome(verdict: verdict, receiptHash: logged.receiptHash, timeMS: time, tool: tool)
    }

    /// The committed payload of a call: JCS of `{"arguments": …, "name": …}` (arguments omitted when absent).
    package static func callPayload(name: JSONValue?, arguments: JSONValue?) -> [UInt8] {
        var members: [(String, JSONValue)] = []
        if let arguments { members.append(("arguments", arguments)) }
        members.append(("name", name ?? .null))
        return JCS.canonicalize(.obj(members))
    }

    /// Decides one tools/call and seals its receipt durably. Throws when the receipt cannot be made
    /// durable: the caller must then refuse the call (fail closed).
    package func call(artifact: SealedArtifact, sessionID: String, name: JSONValue?, arguments: JSONValue?,
                      timeMS: Int64) throws(PortalError) -> Outcome {
        if let failed { throw failed }
        let tool = Self.receiptToolName(name)
        var session = sessions[sessionID] ?? (Engine.SessionState(), 0)
        let time = max(timeMS, session.lastTime)
        let engine = Engine(artifact: artifact.artifact)
        let verdict = engine.decide(tool: tool, arguments: arguments, timeMS: time, state: &session.state)
        let logged = log.append(artifactRef: artifact.ref, sessionID: sessionID, timeMS: time, event: .toolCall, tool: tool,
                                decision: verdict.decision, reason: verdict.reason, limit: verdict.limit,
                                payload: Self.callPayload(name: name, arguments: arguments), salt: salt())
        return try commit(logged, verdict: verdict, session: session, sessionID: sessionID, time: time, tool: tool)
    }

    /// Seals a `measurement` receipt: the payload is the 32 measured digest bytes (none when nothing
    /// could be measured), salted like every payload. A mismatch marks the session as drifted, so
    /// every later call of it is handled per on_drift with reason runtime_drift. The drift flag is
    /// not rebuilt from restored receipts: a restarted Portal measures again before relaying.
    package func measurement(artifact: SealedArtifact, sessionID: String, digest: Hash256?,
                             timeMS: Int64) throws(PortalError) -> Outcome {
        if let failed { throw failed }
        var session = sessions[sessionID] ?? (Engine.SessionState(), 0)
        let time = max(timeMS, session.lastTime)
        let verdict = Engine(artifact: artifact.artifact).measure(digest: digest, state: &session.state)
        let logged = log.append(artifactRef: artifact.ref, sessionID: sessionID, timeMS: time, event: .measurement, tool: nil,
                                decision: verdict.decision, reason: verdict.reason, limit: nil,
                                payload: digest?.bytes ?? [], salt: salt())
        return try commit(logged, verdict: verdict, session: session, sessionID: sessionID, time: time, tool: "")
    }

    /// Seals the receipt of the response to an allowed call. `payload` is the response's result
    /// (or error) in JCS form.
    package func result(artifact: SealedArtifact, sessionID: String, tool: String, payload: [UInt8], isError: Bool,
                        timeMS: Int64) throws(PortalError) -> Outcome {
        if let failed { throw failed }
        let session = sessions[sessionID] ?? (Engine.SessionState(), 0)
        let time = max(timeMS, session.lastTime)
        let verdict = Engine(artifact: artifact.artifact).decideResult(isError: isError, timeMS: time)
        let logged = log.append(artifactRef: artifact.ref, sessionID: sessionID, timeMS: time, event: .toolResult, tool: tool,
                                decision: verdict.decision, reason: verdict.reason, limit: nil, payload: payload, salt: salt())
        return try commit(logged, verdict: verdict, session: session, sessionID: sessionID, time: time, tool: tool)
    }

    /// Signs and stores a checkpoint over everything sealed so far, when there is anything new.
    /// Its time is never before the latest receipt or the previous checkpoint.
    @discardableResult
    package func checkpoint(nowMS: Int64) throws(PortalError) -> Checkpoint? {
        guard uncheckpointed > 0 else { return nil }
        let time = max(nowMS, latestTime, log.checkpoints.last?.checkpoint.timeMS ?? 0)
        guard let c = log.checkpoint(timeMS: time), let document = log.checkpoints.last?.document else { return nil }
        try sink?.append(checkpoint: document)
        return c
    }

    /// A checkpoint when `checkpointEvery` receipts have been sealed since the last one.
    package func checkpointIfDue(nowMS: Int64) throws(PortalError) {
        if checkpointEvery > 0, uncheckpointed >= checkpointEvery { try checkpoint(nowMS: nowMS) }
    }
}
