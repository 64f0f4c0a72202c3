extension JCS {
    /// The members of an object, each written once in canonical form (`"name":value`) and in
    /// canonical order (`sortedMembers`), so that the same object with one member more can be
    /// written without encoding the others again: what a signer needs, who hashes the object
    /// without its signature and then writes it with one.
    package struct CanonicalMembers {
        private let members: [(name: String, bytes: [UInt8])]

        package init(_ object: JSONObject) {
            members = JCS.sortedMembers(object).map { ($0.name, JCS.member($0.name, $0.value)) }
        }

        /// `JCS.canonicalize` of the object.
        package func object() -> [UInt8] { Self.join(members.map(\.bytes)) }

        /// `JCS.canonicalize` of the object with one more member, whose name it must not have.
        package func object(inserting name: String, _ value: JSONValue) -> [UInt8] {
            precondition(!members.contains { JSONObject.sameName($0.name, name) }, "JCS: object has duplicate member names")
            var pieces = members.map(\.bytes)
            let at = members.firstIndex { JCS.utf16Precedes(name, $0.name) } ?? members.count
            pieces.insert(JCS.member(name, value), at: at)
            return Self.join(pieces)
        }

        private static func join(_ pieces: [[UInt8]]) -> [UInt8] {
            var out: [UInt8] = [UInt8(ascii: "{")]
            out.reserveCapacity(pieces.reduce(2) { $0 + $1.count + 1 })
            for (i, p) in pieces.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += p
            }
            out.append(UInt8(ascii: "}"))
            return out
        }
    }

    /// `"name":value` in canonical form.
    static func member(_ name: String, _ value: JSONValue) -> [UInt8] {
        canonicalize(.string(name)) + [UInt8(ascii: ":")] + canonicalize(value)
    }
}
