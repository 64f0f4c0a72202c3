/// Every failure of the Portal library: a stable code, where it happened (a field path, a file and
/// line, or empty), and a human reason. Equality compares the code only; tests assert codes.
package struct PortalError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        /// A key file is missing, unreadable, not canonical JSON, or not a key of the expected kind.
        case keyFile = "PORTAL_KEY_FILE"
        /// A file that must be created new already exists (keygen never overwrites).
        case fileExists = "PORTAL_FILE_EXISTS"
        /// A file could not be read, written, synced or created.
        case io = "PORTAL_IO"
        /// The policy file is not valid JSON, or a member is missing, unknown, mistyped or out of range.
        case policy = "PORTAL_POLICY"
        /// The sealed artifact file is not a valid artifact, or its signature does not verify.
        case artifact = "PORTAL_ARTIFACT"
        /// The Portal key is not one of the keys the artifact names.
        case portalKeyNotNamed = "PORTAL_KEY_NOT_NAMED"
        /// A derived policy would widen its parent (window, tools, parameters, limits, bindings, keys).
        case deriveWidens = "PORTAL_DERIVE_WIDENS"
        /// The state directory is in use by another Portal (its lock is held).
        case stateLocked = "PORTAL_STATE_LOCKED"
        /// The state directory holds records that cannot be repaired (a bad record before the last,
        /// a checkpoint that disagrees with the receipts, a meta file of another Portal key).
        case stateCorrupt = "PORTAL_STATE_CORRUPT"
        /// A line of the calls file (simulate) is not a valid call.
        case calls = "PORTAL_CALLS"
        /// Times of one session go backwards in the calls file.
        case callsTimeRegression = "PORTAL_CALLS_TIME_REGRESSION"
        /// There is nothing to export (no receipt, or no session of that id).
        case nothingToExport = "PORTAL_NOTHING_TO_EXPORT"
        /// Keys, artifacts or signatures of two profiles would meet in one bundle (the format requires
        /// one profile per bundle: the issuer key, every Portal key and the artifact's `profile`).
        case profileMismatch = "PORTAL_PROFILE_MISMATCH"
        /// Building the bundle failed.
        case export = "PORTAL_EXPORT"
    }

    package let code: Code
    /// A field path (`tools[2].name`), `file:line`, or empty.
    package let location: String
    package let reason: String

    package init(_ code: Code, _ location: String = "", _ reason: String) {
        self.code = code
        self.location = location
        self.reason = reason
    }

    package static func == (lhs: PortalError, rhs: PortalError) -> Bool { lhs.code == rhs.code }

    package var description: String {
        location.isEmpty ? "\(code.rawValue): \(reason)" : "\(code.rawValue): \(location): \(reason)"
    }
}
