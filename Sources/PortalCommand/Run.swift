import ArgumentParser
import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import Portal
import StrictJSON

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an MCP stdio server behind the Portal: every tools/call is decided, sealed and only then forwarded or refused.",
        discussion: """
            portal run --artifact A --key K --state DIR -- /path/to/server [ARGS...]
            The Portal reads newline-delimited JSON-RPC from its stdin (the MCP client), starts the \
            upstream server, and relays both ways byte for byte, except: tools/call requests are \
            decided and sealed first (refused calls get a JSON-RPC error, code -31001, whose data names \
            the reason and the receipt); tools/list results are filtered to the allowlist; tool results \
            are sealed before they reach the client. Logs go to stderr.
            Runtime measurement: before the upstream is started (so before any client line is \
            relayed) and then every runtime.measurement_interval_ms of the artifact, the Portal hashes \
            the measured file (SHA-256 of its bytes: the upstream executable, the first word after --, \
            or the file given with --measure) and seals a measurement receipt; a digest other than \
            runtime.reference_hash (or a file that cannot be read) is runtime drift: every later \
            tools/call is refused or phantom-handled per on_drift, reason runtime_drift, until restart.
            """)

    @Option(name: .long, help: ArgumentHelp("The sealed artifact to enforce.", valueName: "file"))
    var artifact: String
    @Option(name: .long, help: ArgumentHelp("A parent artifact of a sub-mandate (stored for export). Repeatable.", valueName: "file"))
    var parentArtifact: [String] = []
    @Option(name: .long, help: ArgumentHelp("The Portal's secret key file.", valueName: "file"))
    var key: String
    @Option(name: .long, help: ArgumentHelp("The state directory (created if absent; one Portal at a time).", valueName: "dir"))
    var state: String
    @Option(name: .long, help: ArgumentHelp("Check the artifact's issuer signature against this public key file.", valueName: "file"))
    var issuerPub: String?
    @Option(name: .long, help: "Sign a checkpoint every N receipts.")
    var checkpointEvery: Int = 100
    @Option(name: .long, help: "Sign a checkpoint when receipts are older than this many seconds.")
    var checkpointSeconds: Int = 10
    @Option(name: .long, help: ArgumentHelp("The session id of this connection (default: run-<ms>-<random>).", valueName: "id"))
    var session: String?
    @Option(name: .long, help: ArgumentHelp("The file whose SHA-256 is compared with runtime.reference_hash (default: the upstream executable, the first word after --). For an interpreter-run server, give its script.", valueName: "file"))
    var measure: String?
    @Argument(parsing: .postTerminator, help: "The upstream MCP server: a path (containing /) and its arguments.")
    var command: [String] = []

    func validate() throws {
        guard let first = command.first else { throw ValidationError("give the upstream command after --") }
        guard first.contains("/") else {
            throw ValidationError("the upstream command is a path (e.g. /usr/bin/python3); the Portal does not search PATH")
        }
        guard checkpointEvery >= 1, checkpointSeconds >= 1 else { throw ValidationError("checkpoint intervals are at least 1") }
        if let session {
            guard !session.isEmpty, session.utf8.count <= 128, session.utf8.allSatisfy(Repertoire.isTokenByte) else {
                throw ValidationError("--session is 1 to 128 characters of A-Z a-z 0-9 . _ : / -")
            }
        }
    }

    func run() throws {
        let proxy: Proxy
        do {
            let portal = try KeyFiles.readSecret(key)
            let sealed = try SealedArtifact.read(artifact)
            try sealed.requirePortalKey(portal.publicKey)
            if let issuerPub { try sealed.verifyIssuer(try KeyFiles.readPublic(issuerPub)) }
            var parents: [SealedArtifact] = []
            for p in parentArtifact { parents.append(try SealedArtifact.read(p)) }
            let store = try StateStore(directory: state, portal: portal.publicKey,
                                       newLogID: { SHA256Hasher.hash(SystemRandom.bytes(32)) })
            for r in store.repairs { note("recovery: \(r)") }
            for p in parents { try store.add(artifact: p) }
            try store.add(artifact: sealed)
            let contents = try store.load(withPayloads: false)
            let log = try store.restoredLog(contents, portal: portal)
            let recorder = Recorder(log: log, sink: store, checkpointEvery: checkpointEvery, artifacts: contents.artifacts)
            if try recorder.checkpoint(nowMS: nowMS()) != nil {
                note("recovery: signed a checkpoint over \(log.entries.count) receipts")
            }
            note("state \(state): \(log.entries.count) receipts, \(log.checkpoints.count) checkpoints; log \(store.logID.hex)")
            let sessionID = session ?? "run-\(nowMS())-\(Hex.encode(SystemRandom.bytes(6)))"
            proxy = Proxy(recorder: recorder, store: store, artifact: sealed, sessionID: sessionID,
                          checkpointSeconds: checkpointSeconds, measured: measure ?? command[0])
        } catch { fail(error) }
        proxy.start(command: command)
    }
}

/// The stdio proxy: two reader threads (client → upstream, upstream → client), one lock around the
/// recorder and the pending-call map, one lock around writes to the client.
final class Proxy: @unchecked Sendable {
    enum Pending {
        case call(tool: String)
        case list
    }

    let recorder: Recorder
    let store: StateStore
    let artifact: SealedArtifact
    let sessionID: String
    let checkpointSeconds: Int
    let lock = NSLock()
    let clientLock = NSLock()
    let upstreamLock = NSLock()
    var pending: [[UInt8]: Pending] = [:]
    var lastCheckpointMS: Int64
    var upstreamIn: FileHandle?
    var process: Process?
    var finished = false
    /// The file hashed for runtime measurements.
    let measured: String
    static let maxPending = 1 << 16

    init(recorder: Recorder, store: StateStore, artifact: SealedArtifact, sessionID: String, checkpointSeconds: Int, measured: String) {
        self.recorder = recorder
        self.store = store
        self.artifact = artifact
        self.sessionID = sessionID
        self.checkpointSeconds = checkpointSeconds
        self.measured = measured
        self.lastCheckpointMS = nowMS()
    }

    /// Hashes the measured file (outside the lock: it may be large) and seals a measurement receipt.
    func measureOnce() {
        let digest: Hash256?
        do { digest = try RuntimeMeasurement.sha256(file: measured) } catch {
            note("measurement failed (counts as runtime drift): \(error)")
            digest = nil
        }
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        do {
            let outcome = try recorder.measurement(artifact: artifact, sessionID: sessionID, digest: digest, timeMS: nowMS())
            let v = outcome.verdict
            note("measurement of \(measured): \(digest?.hex ?? "none") \(v.decision.rawValue) \(v.reason.rawValue) receipt \(outcome.receiptHash.hex)")
        } catch {
            // The recorder has failed: every later call is refused without sealing (fail closed).
            note("a measurement could not be sealed: \(error)")
        }
        checkpointIfDueLocked()
    }

    func start(command: [String]) -> Never {
        signal(SIGPIPE, SIG_IGN)
        // Measured before the upstream starts and before any client line is read.
        measureOnce()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let toUpstream = Pipe()
        let upstreamOut = Pipe()
        process.standardInput = toUpstream
        process.standardOutput = upstreamOut
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            checkpointAndExit(code: 1, message: "cannot start the upstream \(command[0]): \(error)")
        }
        self.process = process
        upstreamIn = toUpstream.fileHandleForWriting
        note("session \(sessionID): upstream \(command[0]) pid \(process.processIdentifier), artifact \(artifact.ref.hex)")

        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                process.terminate()
                checkpointAndExit(code: 0, message: "signal \(sig): checkpoint and exit")
            }
            source.resume()
            Self.signalSources.append(source)
        }

        let upstreamReader = Thread { [self] in
            readLines(fd: upstreamOut.fileHandleForReading.fileDescriptor) { fromUpstream(line: $0) }
            // The upstream closed its output: nothing more can be answered.
            process.waitUntilExit()
            checkpointAndExit(code: process.terminationStatus == 0 ? 0 : 1,
                              message: "upstream exited with status \(process.terminationStatus)")
        }
        upstreamReader.start()

        let ticker = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 1)
                lock.lock()
                if recorder.uncheckpointed > 0, nowMS() - lastCheckpointMS >= Int64(checkpointSeconds) * 1000 {
                    checkpointLocked()
                }
                lock.unlock()
            }
        }
        ticker.start()

        let interval = artifact.artifact.runtime.measurementIntervalMS
        let measurer = Thread { [self] in
            // One measurement at a time: the next interval starts when a measurement is sealed.
            while true {
                Thread.sleep(forTimeInterval: Double(interval) / 1000)
                measureOnce()
            }
        }
        measurer.start()

        readLines(fd: 0) { fromClient(line: $0) }
        // The client closed its side: let the upstream finish and exit; its reader ends the process.
        upstreamLock.lock()
        try? upstreamIn?.close()
        upstreamIn = nil
        upstreamLock.unlock()
        Thread.sleep(forTimeInterval: 10)
        process.terminate()
        Thread.sleep(forTimeInterval: 2)
        checkpointAndExit(code: 0, message: "the upstream did not exit after the client closed")
    }

    nonisolated(unsafe) static var signalSources: [DispatchSourceSignal] = []

    // MARK: lines

    /// Calls `handle` with each complete line (without its newline). A last line without a newline
    /// is handled too.
    func readLines(fd: Int32, _ handle: (ArraySlice<UInt8>) -> Void) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var searchFrom = buffer.count
            buffer.append(contentsOf: chunk[0..<n])
            var start = 0
            while let nl = buffer[searchFrom...].firstIndex(of: 0x0a) {
                handle(buffer[start..<nl])
                start = nl + 1
                searchFrom = start
            }
            if start > 0 { buffer.removeFirst(start) }
        }
        if !buffer.isEmpty { handle(buffer[...]) }
    }

    func toClient(_ bytes: [UInt8]) {
        clientLock.lock()
        defer { clientLock.unlock() }
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(1, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    func toUpstream(_ line: ArraySlice<UInt8>) {
        upstreamLock.lock()
        defer { upstreamLock.unlock() }
        guard let fd = upstreamIn?.fileDescriptor else { return }
        var bytes = Array(line)
        bytes.append(0x0a)
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    // MARK: client → upstream

    func fromClient(line: ArraySlice<UInt8>) {
        switch MCPMessage.classify(line) {
        case .invalid(let reason):
            // A line the Portal cannot read might be a tools/call to a lenient upstream: never relayed.
            note("refused an unreadable client line: \(reason)")
            toClient(MCPMessage.parseError(reason))
        case .request(let id, let method, let params) where method == "tools/call":
            handleCall(id: id, params: params, line: line)
        case .request(let id, let method, _) where method == "tools/list":
            lock.lock()
            pending[MCPMessage.idKey(id)] = .list
            lock.unlock()
            toUpstream(line)
        case .notification(let method, _) where method == "tools/call":
            note("refused a tools/call notification (no id): not relayed")
        default:
            toUpstream(line)
        }
    }

    func handleCall(id: JSONValue, params: JSONObject?, line: ArraySlice<UInt8>) {
        lock.lock()
        let outcome: Recorder.Outcome
        do {
            guard pending.count < Self.maxPending else {
                throw PortalError(.io, "", "more than \(Self.maxPending) calls are pending")
            }
            outcome = try recorder.call(artifact: artifact, sessionID: sessionID, name: params?["name"],
                                        arguments: params?["arguments"], timeMS: nowMS())
        } catch {
            lock.unlock()
            note("refused a call that could not be sealed: \(error)")
            toClient(MCPMessage.refusal(id: id, reason: "receipt_unavailable", receipt: nil, limit: nil, code: MCPMessage.unsealedCode))
            return
        }
        if outcome.verdict.decision == .allow { pending[MCPMessage.idKey(id)] = .call(tool: outcome.tool) }
        checkpointIfDueLocked()
        lock.unlock()
        note("\(outcome.tool): \(outcome.verdict.decision.rawValue) \(outcome.verdict.reason.rawValue)"
             + (outcome.verdict.limit.map { " \($0)" } ?? "") + " receipt \(outcome.receiptHash.hex)")
        switch outcome.verdict.decision {
        case .allow:
            toUpstream(line)
        case .phantom:
            toClient(MCPMessage.phantomResult(id: id))
        case .deny, .record:
            toClient(MCPMessage.refusal(id: id, reason: outcome.verdict.reason.rawValue, receipt: outcome.receiptHash,
                                        limit: outcome.verdict.limit))
        }
    }

    // MARK: upstream → client

    func fromUpstream(line: ArraySlice<UInt8>) {
        guard case .response(let id, let result, let error) = MCPMessage.classify(line) else {
            toClient(Array(line) + [0x0a])
            return
        }
        lock.lock()
        let key = MCPMessage.idKey(id)
        guard let p = pending.removeValue(forKey: key) else {
            lock.unlock()
            toClient(Array(line) + [0x0a])
            return
        }
        switch p {
        case .list:
            lock.unlock()
            let allowed = Set(artifact.artifact.tools.map(\.name))
            toClient(MCPMessage.filterToolsList(line, allowed: { allowed.contains($0) }) ?? (Array(line) + [0x0a]))
        case .call(let tool):
            let outcome: Recorder.Outcome
            do {
                outcome = try recorder.result(artifact: artifact, sessionID: sessionID, tool: tool,
                                              payload: JCS.canonicalize(result ?? error ?? .null), isError: result == nil, timeMS: nowMS())
            } catch {
                lock.unlock()
                note("refused a response that could not be sealed: \(error)")
                toClient(MCPMessage.refusal(id: id, reason: "receipt_unavailable", receipt: nil, limit: nil, code: MCPMessage.unsealedCode))
                return
            }
            checkpointIfDueLocked()
            lock.unlock()
            if outcome.verdict.reason == .artifactExpired {
                toClient(MCPMessage.refusal(id: id, reason: outcome.verdict.reason.rawValue, receipt: outcome.receiptHash, limit: nil))
            } else {
                toClient(Array(line) + [0x0a])
            }
        }
    }

    // MARK: checkpoints and exit

    func checkpointIfDueLocked() {
        if recorder.uncheckpointed >= recorder.checkpointEvery { checkpointLocked() }
    }

    func checkpointLocked() {
        do {
            if try recorder.checkpoint(nowMS: nowMS()) != nil { lastCheckpointMS = nowMS() }
        } catch {
            note("checkpoint failed: \(error)")
        }
    }

    func checkpointAndExit(code: Int32, message: String) -> Never {
        lock.lock()
        if !finished {
            finished = true
            checkpointLocked()
            note("\(message); \(recorder.log.entries.count) receipts, \(recorder.log.checkpoints.count) checkpoints")
        }
        clientLock.lock()
        Foundation.exit(code)
    }
}
