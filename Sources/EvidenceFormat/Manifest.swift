import EvidenceCrypto
import StrictJSON

/// The bundle's signed table of contents, signed by a Portal key named in one of its artifacts.
package struct Manifest: Sendable, Equatable {
    package enum Scope: String, Sendable, CaseIterable {
        /// `receipts.jsonl` holds every leaf of the log from 0 to `complete_through.tree_size` − 1.
        case full
        /// `receipts.jsonl` holds whole sessions only, each receipt with an inclusion proof.
        case selective
    }

    package struct CompleteThrough: Sendable, Equatable {
        package var treeSize: Int64
        package var rootHash: Hash256
    
        package init(treeSize: Int64, rootHash: Hash256) {
            self.treeSize = treeSize
            self.rootHash = rootHash
        }
    }

    package struct Session: Sendable, Equatable {
        package var sessionID: String
        package var artifactRef: Hash256
        package var receipts: Int64
        package var lastReceiptHash: Hash256
    
        package init(sessionID: String, artifactRef: Hash256, receipts: Int64, lastReceiptHash: Hash256) {
            self.sessionID = sessionID
            self.artifactRef = artifactRef
            self.receipts = receipts
            self.lastReceiptHash = lastReceiptHash
        }
    }

    package struct File: Sendable, Equatable {
        package var path: String
        package var size: Int64
        package var sha256: Hash256
    
        package init(path: String, size: Int64, sha256: Hash256) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    package var profile: Profile
    package var tier: Int64
    package var scope: Scope
    package var logID: Hash256
    package var completeThrough: CompleteThrough
    package var sessions: [Session]
    package var files: [File]
    package var signature: SignatureBlock?

    package static let members = [
        "type", "version", "profile", "tier", "scope", "log_id", "complete_through", "sessions", "files", "signature",
    ]
    /// Both match the parser's element limit for manifests (see FormatLimits.maxManifestElements).
    package static let maxSessions = FormatLimits.maxManifestElements
    package static let maxFiles = FormatLimits.maxManifestElements

    package init(
        profile: Profile, tier: Int64, scope: Scope, logID: Hash256, completeThrough: CompleteThrough,
        sessions: [Session], files: [File]
    ) {
        self.profile = profile
        self.tier = tier
        self.scope = scope
        self.logID = logID
        self.completeThrough = completeThrough
        self.sessions = sessions
        self.files = files
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .manifest)
        try r.expectType(.manifest)
        profile = try r.profile("profile")
        tier = try r.int("tier", min: 1, max: 2)
        scope = try r.enumeration("scope", Scope.self)
        logID = try r.hash("log_id")
        let c = try r.object("complete_through", members: ["tree_size", "root_hash"])
        completeThrough = CompleteThrough(treeSize: try c.int("tree_size", min: 1), rootHash: try c.hash("root_hash"))

        var sessions: [Session] = []
        for (i, item) in try r.array("sessions", maxCount: Self.maxSessions).enumerated() {
            let s = try ObjectReader(item, path: "sessions[\(i)]", members: ["session_id", "artifact_ref", "receipts", "last_receipt_hash"])
            sessions.append(Session(
                sessionID: try s.string("session_id", repertoire: .token),
                artifactRef: try s.hash("artifact_ref"),
                receipts: try s.int("receipts", min: 1),
                lastReceiptHash: try s.hash("last_receipt_hash")))
        }
        try requireStrictlySorted(sessions.map { Array($0.sessionID.utf8) }, field: "sessions")
        self.sessions = sessions

        var files: [File] = []
        for (i, item) in try r.array("files", maxCount: Self.maxFiles).enumerated() {
            let f = try ObjectReader(item, path: "files[\(i)]", members: ["path", "size", "sha256"])
            files.append(File(
                path: try f.string("path", repertoire: .token, maxBytes: 255),
                size: try f.int("size", min: 0),
                sha256: try f.hash("sha256")))
        }
        try requireStrictlySorted(files.map { Array($0.path.utf8) }, field: "files")
        self.files = files
        signature = try SignatureBlock(r)
    }

    package var body: JSONObject {
        JSONObject([
            (name: "type", value: .str(ObjectType.manifest.rawValue)),
            (name: "version", value: .int(1)),
            (name: "profile", value: .str(profile.rawValue)),
            (name: "tier", value: .int(tier)),
            (name: "scope", value: .str(scope.rawValue)),
            (name: "log_id", value: .hash(logID)),
            (name: "complete_through", value: .obj([
                ("tree_size", .int(completeThrough.treeSize)), ("root_hash", .hash(completeThrough.rootHash)),
            ])),
            (name: "sessions", value: .array(sessions.map {
                .obj([
                    ("session_id", .str($0.sessionID)), ("artifact_ref", .hash($0.artifactRef)),
                    ("receipts", .int($0.receipts)), ("last_receipt_hash", .hash($0.lastReceiptHash)),
                ])
            })),
            (name: "files", value: .array(files.map {
                .obj([("path", .str($0.path)), ("size", .int($0.size)), ("sha256", .hash($0.sha256))])
            })),
        ])
    }
}
