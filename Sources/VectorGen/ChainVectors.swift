import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Session hash chains: receipts added, altered, reordered, dropped, duplicated; head and tail
/// truncation; splices from another session, artifact or log; the genesis value; seq; time; the
/// artifact's window.
enum ChainVectors {
    static func add(to suite: Suite) {
        // One session of six receipts, checkpoints after 3 and 6, tier 1.
        let c = Base("chain", Bases.singleSpec("chain", 6, cuts: [3, 6]), suite: suite)
        let main = Base("chain-main", Bases.mainSpec(), suite: suite)
        let r = c.receipts.map(\.bytes)
        let root = Artifacts.root()
        let ref = c.refs[0]
        let t0 = Clock.t0

        func lines(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ change: @escaping (inout [[UInt8]]) -> Void) {
            suite.neg(name, bug, codes, d + " (manifest resealed over the files as they are)", c.make(files: { f, _ in f.editLines(receiptsPath, change) }))
        }
        // Tampering with receipts.jsonl (the attacker cannot sign receipts or checkpoints).
        lines("chain-drop-middle", .chainIntegrity,
              ["CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "CHECKPOINT_BEYOND_LOG", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_TIME_BEFORE_RECEIPT", "MANIFEST_RECEIPT_COUNT"],
              "receipt seq 2 dropped: the next one's seq and prev break, the first checkpoint's leaves change (and now include a later receipt), the second is beyond the log") { $0.remove(at: 2) }
        lines("chain-drop-first", .chainIntegrity,
              ["CHAIN_GENESIS_MISMATCH", "CHAIN_SEQ", "CHECKPOINT_BEYOND_LOG", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_TIME_BEFORE_RECEIPT", "MANIFEST_RECEIPT_COUNT"],
              "head truncation by one: the session now starts at seq 1 with prev not the genesis value") { $0.removeFirst() }
        lines("chain-truncate-head-3", .chainIntegrity,
              ["CHAIN_GENESIS_MISMATCH", "CHAIN_SEQ", "CHECKPOINT_BEYOND_LOG", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_TIME_BEFORE_RECEIPT", "MANIFEST_RECEIPT_COUNT"],
              "head truncation: the first three receipts dropped") { $0.removeFirst(3) }
        lines("chain-drop-last", .chainIntegrity, ["CHECKPOINT_BEYOND_LOG", "MANIFEST_RECEIPT_COUNT"],
              "tail truncation by one: the chain that remains is intact, but the last checkpoint covers a leaf the bundle lacks") { $0.removeLast() }
        lines("chain-truncate-tail-3", .chainIntegrity, ["CHECKPOINT_BEYOND_LOG", "MANIFEST_RECEIPT_COUNT"], "tail truncation: the last three receipts dropped") { $0.removeLast(3) }
        suite.neg("chain-truncate-tail-with-checkpoint", .chainIntegrity,
                  ["MANIFEST_CHECKPOINT", "MANIFEST_FILE_MISMATCH", "MANIFEST_FILE_MISMATCH", "MANIFEST_RECEIPT_COUNT", "MANIFEST_SESSION_MISMATCH"],
                  "tail truncation that also drops the checkpoint covering the tail: the signed manifest still claims the longer log",
                  c.make(raw: { e in e.editLines(receiptsPath) { $0.removeLast(3) }; e.editLines(checkpointsPath) { $0.removeLast() } }))
        lines("chain-duplicate-middle", .chainIntegrity, ["CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "CHECKPOINT_ROOT_MISMATCH", "MANIFEST_RECEIPT_COUNT"],
              "receipt seq 2 duplicated in place") { $0.insert($0[2], at: 3) }
        lines("chain-duplicate-last", .chainIntegrity, ["CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "MANIFEST_RECEIPT_COUNT"], "the last receipt replayed at the end") { $0.append($0[5]) }
        lines("chain-swap-adjacent", .chainIntegrity,
              ["CHAIN_PREV_MISMATCH", "CHAIN_PREV_MISMATCH", "CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "CHAIN_SEQ", "CHAIN_TIME_REGRESSION",
               "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_TIME_BEFORE_RECEIPT"],
              "receipts seq 2 and 3 swapped: three links, two seqs and the time order break; both roots change") { $0.swapAt(2, 3) }
        lines("chain-swap-across-checkpoint-tail", .chainIntegrity,
              ["CHAIN_PREV_MISMATCH", "CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "CHAIN_SEQ", "CHAIN_TIME_REGRESSION", "CHECKPOINT_ROOT_MISMATCH"],
              "the last two receipts swapped") { $0.swapAt(4, 5) }
        lines("chain-alter-unsigned", .signatureForgery, ["CHAIN_PREV_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "SIG_INVALID"],
              "receipt seq 2's time changed without re-signing") { l in l[2] = editObject(l[2]) { $0 = $0.setting("time_ms", .int(t0 + Clock.minute + 2_001)) } }
        lines("chain-alter-resigned-by-attacker", .unauthorizedKey, ["CHAIN_PREV_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "SIG_KEY_NOT_AUTHORIZED"],
              "receipt seq 2 changed and re-signed by the attacker's key") { l in
            l[2] = editObject(l[2]) { $0 = $0.setting("tool", .string("read_file")) }
            l[2] = editObject(l[2]) { o in o = JSONValueObject(resign(o, by: Keys.attackerPortal)) }
        }
        lines("chain-alter-resigned-by-portal", .chainIntegrity, ["CHAIN_PREV_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH"],
              "receipt seq 2 rewritten and re-signed with the Portal key itself: the link to seq 3 and both checkpoints still catch it") { l in
            l[2] = editObject(l[2]) { o in o = JSONValueObject(resign(o.setting("tool", .string("read_file")), by: Keys.portal)) }
        }
        let rewritten = Build.build({ var s = c.spec; s.receipts[2].tool = "read_file"; return s }())
        suite.neg("chain-history-rewritten", .checkpointConsistency, ["CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH"],
                  "the Portal re-sealed the whole session from seq 2 on with a different decision, re-chaining every receipt; the earlier signed checkpoints do not match",
                  c.make(files: { f, _ in f.edit(receiptsPath) { $0 = rewritten.files.bytes(receiptsPath) } }))
        let otherLog = Build.build(Bases.singleSpec("chain-other", 6, cuts: [3, 6]))
        suite.neg("chain-spliced-from-other-log", .chainSplice, ["CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH"],
                  "receipts.jsonl replaced by a same-named session of another log under the same artifact: the chain is valid, the checkpoints are not its",
                  c.make(files: { f, _ in f.edit(receiptsPath) { $0 = otherLog.files.bytes(receiptsPath) } }))
        let inserted = Build.build({ var s = c.spec; s.receipts.insert(Bases.call(0, "solo", t0 + Clock.minute + 2_500), at: 3); return s }())
        lines("chain-added-middle", .chainIntegrity, ["CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "CHECKPOINT_ROOT_MISMATCH", "MANIFEST_RECEIPT_COUNT"],
              "a validly signed, correctly chained receipt inserted after seq 2; the original seq 3 then no longer links") { $0.insert(inserted.receipts[3].bytes, at: 3) }
        let appended = Build.build({ var s = c.spec; s.receipts.append(Bases.call(0, "solo", t0 + Clock.minute + 9_000)); return s }())
        lines("chain-added-end", .chainIntegrity, ["MANIFEST_RECEIPT_COUNT"], "a valid receipt appended after the last checkpoint") { $0.append(appended.receipts[6].bytes) }
        _ = r

        // The Portal breaking the rules: each receipt signed and logged as given.
        func spec(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, on b: Base? = nil, _ change: @escaping (inout Spec) -> Void) {
            suite.neg(name, bug, codes, d, (b ?? c).make(spec: change))
        }
        spec("chain-seq-gap", .chainIntegrity, ["CHAIN_SEQ"], "seq jumps from 2 to 4") { $0.receipts[3].seq = 4 }
        spec("chain-seq-repeat", .chainIntegrity, ["CHAIN_SEQ"], "seq 2 used twice") { $0.receipts[3].seq = 2 }
        spec("chain-seq-start-1", .chainIntegrity, ["CHAIN_SEQ"], "a session starting at seq 1") { $0.receipts[0].seq = 1 }
        spec("chain-seq-max", .chainIntegrity, ["CHAIN_SEQ"], "the last receipt with seq 2^53 - 1") { $0.receipts[5].seq = (1 << 53) - 1 }
        spec("chain-prev-random", .chainIntegrity, ["CHAIN_PREV_MISMATCH"], "prev of seq 3 is an unrelated hash") { $0.receipts[3].prev = h("unrelated") }
        spec("chain-prev-skip", .chainIntegrity, ["CHAIN_PREV_MISMATCH"], "prev of seq 3 is the hash of seq 1 (seq 2 skipped in the chain)") { $0.receipts[3].prev = c.receipts[1].hash }
        spec("chain-prev-genesis-mid", .chainIntegrity, ["CHAIN_PREV_MISMATCH"], "prev of seq 3 is the session's genesis value") { $0.receipts[3].prev = Receipt.genesis(artifactRef: ref, sessionID: "solo") }
        spec("chain-prev-leaf-hash", .chainIntegrity, ["CHAIN_PREV_MISMATCH"], "prev of seq 3 is the Merkle leaf hash of seq 2, not its receipt_hash") { $0.receipts[3].prev = c.receipts[2].leaf }
        spec("chain-genesis-random", .chainIntegrity, ["CHAIN_GENESIS_MISMATCH"], "the first receipt's prev is an unrelated hash") { $0.receipts[0].prev = h("not genesis") }
        spec("chain-genesis-zero", .chainIntegrity, ["CHAIN_GENESIS_MISMATCH"], "the first receipt's prev is 32 zero bytes") { $0.receipts[0].prev = Hash256(bytes: [UInt8](repeating: 0, count: 32)) }
        spec("chain-genesis-other-session", .chainSplice, ["CHAIN_GENESIS_MISMATCH"], "the first receipt's prev is the genesis of another session id") { $0.receipts[0].prev = Receipt.genesis(artifactRef: ref, sessionID: "other") }
        spec("chain-genesis-other-artifact", .chainSplice, ["CHAIN_GENESIS_MISMATCH"], "the first receipt's prev is the genesis of the same session id under another artifact") { $0.receipts[0].prev = Receipt.genesis(artifactRef: h("other artifact"), sessionID: "solo") }
        spec("chain-genesis-concatenation", .chainIntegrity, ["CHAIN_GENESIS_MISMATCH"], "genesis computed as SHA-256(artifact_ref || session_id) instead of over the JCS object") {
            $0.receipts[0].prev = SHA256Hasher.hash(ref.bytes + bytes("solo"))
        }
        spec("chain-splice-other-session", .chainSplice, ["CHAIN_GENESIS_MISMATCH"], "session beta's first receipt chained onto session alpha's last", on: main) { $0.receipts[3].prev = main.receipts[2].hash }
        spec("chain-splice-other-artifact", .chainSplice, ["CHAIN_GENESIS_MISMATCH"], "session beta (under the sub-mandate) starting from the genesis of beta under the root artifact", on: main) {
            $0.receipts[3].prev = Receipt.genesis(artifactRef: main.refs[0], sessionID: "beta")
        }
        spec("chain-artifact-changed", .chainSplice, ["CHAIN_ARTIFACT_CHANGED"], "session alpha switches to the sub-mandate mid-session", on: main) { $0.receipts[6].artifact = 1 }
        spec("chain-time-regression", .timeOrder, ["CHAIN_TIME_REGRESSION"], "seq 3 is 1 ms before seq 2") { $0.receipts[3].time = $0.receipts[2].time - 1 }
        spec("chain-time-regression-last", .timeOrder, ["CHAIN_TIME_REGRESSION"], "the last receipt goes back 2 seconds") { $0.receipts[5].time = $0.receipts[4].time - 2_000 }
        spec("chain-time-regression-interleaved", .timeOrder, ["CHAIN_TIME_REGRESSION"], "in one of two interleaved sessions, time goes backwards", on: main) { $0.receipts[4].time = $0.receipts[3].time - 5 }
        spec("chain-unknown-limit", .window, ["RECEIPT_UNKNOWN_LIMIT"], "a rate-limit denial naming a limit the artifact does not define") {
            $0.receipts[5] = Bases.call(0, "solo", $0.receipts[5].time, "search", .deny, .rateLimited, limit: "no-such-limit")
        }
        spec("chain-limit-of-parent-only", .window, ["RECEIPT_UNKNOWN_LIMIT", "SUBMANDATE_RATE_LIMIT"], "a denial under the sub-mandate naming a limit only its parent defines (the sub-mandate also drops that limit)", on: main) { s in
            s.artifacts[0].artifact.rateLimits.append(.init(id: "write-burst", tool: "write_file", maxCalls: 1, windowMS: 1_000))
            s.receipts[5].limit = "write-burst"
        }
        spec("chain-unknown-artifact", .chainSplice, ["RECEIPT_UNKNOWN_ARTIFACT"], "a session under an artifact the bundle does not hold") { s in
            var x = Bases.call(0, "ghost", s.receipts[5].time + 1)
            x.artifactRef = h("absent artifact")
            s.receipts.append(x)
            s.checkpoints[1].size = 7
        }
        spec("chain-artifact-not-included", .chainSplice, ["RECEIPT_UNKNOWN_ARTIFACT", "RECEIPT_UNKNOWN_ARTIFACT", "RECEIPT_UNKNOWN_ARTIFACT", "RECEIPT_UNKNOWN_ARTIFACT"],
             "the sub-mandate is left out of the bundle: its four receipts cannot be checked", on: main) { $0.artifacts[1].included = false }

        // The artifact's window.
        let last = 5
        spec("window-allow-at-expiry", .window, ["RECEIPT_OUTSIDE_WINDOW"], "an allow exactly at not_after_ms (the window is half-open)") {
            $0.receipts[last] = Bases.call(0, "solo", root.notAfterMS)
        }
        spec("window-allow-after-expiry", .window, ["RECEIPT_OUTSIDE_WINDOW"], "an allow an hour after expiry") { $0.receipts[last] = Bases.call(0, "solo", root.notAfterMS + Clock.hour) }
        spec("window-result-after-expiry", .window, ["RECEIPT_OUTSIDE_WINDOW"], "a tool result recorded after expiry") { $0.receipts[last].time = root.notAfterMS + 1 }
        spec("window-allow-before-start", .window, ["RECEIPT_OUTSIDE_WINDOW"], "an allow 1 ms before not_before_ms") { $0.receipts[0].time = root.notBeforeMS - 1 }
        spec("window-expired-reason-inside", .window, ["RECEIPT_OUTSIDE_WINDOW"], "a denial for expiry inside the window") {
            $0.receipts[last] = Bases.call(0, "solo", $0.receipts[last].time, "read_file", .deny, .artifactExpired)
        }
        spec("window-not-yet-valid-reason-inside", .window, ["RECEIPT_OUTSIDE_WINDOW"], "a denial for not-yet-valid inside the window") {
            $0.receipts[last] = Bases.call(0, "solo", $0.receipts[last].time, "read_file", .deny, .artifactNotYetValid)
        }
        spec("window-expired-reason-before-start", .window, ["RECEIPT_OUTSIDE_WINDOW"], "before not_before_ms, a denial giving the wrong reason (artifact_expired)") {
            $0.receipts[0] = Bases.call(0, "solo", root.notBeforeMS - 10, "read_file", .deny, .artifactExpired)
        }
        spec("window-not-yet-valid-after-expiry", .window, ["RECEIPT_OUTSIDE_WINDOW"], "after expiry, a denial giving the wrong reason (artifact_not_yet_valid)") {
            $0.receipts[last] = Bases.call(0, "solo", root.notAfterMS, "read_file", .deny, .artifactNotYetValid)
        }
        spec("window-deny-other-reason-after-expiry", .window, ["RECEIPT_OUTSIDE_WINDOW"], "after expiry, a denial for a missing parameter instead of expiry") {
            $0.receipts[last] = Bases.call(0, "solo", root.notAfterMS + 5, "write_file", .deny, .missingParameter)
        }
        spec("window-outside-submandate", .window, ["RECEIPT_OUTSIDE_WINDOW"], "a receipt under the sub-mandate after its expiry, though inside the parent's window", on: main) {
            $0.receipts[7].time = Clock.t0 + 2 * Clock.hour
        }
        spec("window-before-submandate", .window, ["RECEIPT_OUTSIDE_WINDOW"], "a receipt under the sub-mandate before its not_before_ms", on: main) {
            $0.receipts[3].time = Clock.t0 + Clock.hour - 1
        }
    }
}

/// The object of canonical signed bytes.
func JSONValueObject(_ b: [UInt8]) -> JSONObject {
    editObjectReturning(b)
}

func editObjectReturning(_ b: [UInt8]) -> JSONObject {
    var out = JSONObject([])
    _ = editObject(b) { out = $0 }
    return out
}
