/// A JSON value as the strict parser produces it and the canonicalizer consumes it.
///
/// Equality (`==`) is exact: strings and member names compare by their Unicode scalars (never by
/// Swift's canonical-equivalence `String ==`), objects compare member by member in order, and
/// numbers compare by case and exact value (`.integer(1) != .double(1.0)`; doubles by bit pattern).
/// Two values that are different here may still have the same canonical form; compare
/// `JCS.canonicalize` outputs when that is the question.
package enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON number. The parser produces `.integer` for integer literals (no fraction, no exponent)
/// within ±(2^53−1); everything else it accepts becomes `.double` (general mode only).
package enum JSONNumber: Sendable {
    case integer(Int64)
    case double(Double)

    /// The largest integer every JSON implementation holds exactly (I-JSON, RFC 7493 §2.2).
    package static let maxSafeInteger: Int64 = (1 << 53) - 1
}

/// A JSON object: its members in source order. The parser guarantees that names are unique (by
/// their exact Unicode scalars); code that builds objects must keep them unique too, because the
/// canonicalizer refuses to write duplicate names.
package struct JSONObject: Sendable {
    package var members: [(name: String, value: JSONValue)]

    package init(_ members: [(name: String, value: JSONValue)]) {
        self.members = members
    }

    /// The value of the member whose name has exactly these Unicode scalars (compared as UTF-8
    /// bytes: "é" precomposed and "e\u{301}" are different names).
    package subscript(name: String) -> JSONValue? {
        for member in members where JSONObject.sameName(member.name, name) {
            return member.value
        }
        return nil
    }

    package var names: [String] { members.map(\.name) }

    package var count: Int { members.count }

    /// This object without the member of that exact name (e.g. a signed object minus `signature`).
    package func removing(_ name: String) -> JSONObject {
        JSONObject(members.filter { !JSONObject.sameName($0.name, name) })
    }

    /// Name equality by exact UTF-8 bytes, which is the same as equality of Unicode scalars.
    package static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }
}

// MARK: - Convenience constructors and accessors

extension JSONValue {
    package static func int(_ value: Int64) -> JSONValue { .number(.integer(value)) }
    package static func int(_ value: Int) -> JSONValue { .number(.integer(Int64(value))) }
    package static func double(_ value: Double) -> JSONValue { .number(.double(value)) }

    /// An object from (name, value) pairs, in this order.
    package static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members.map { (name: $0.0, value: $0.1) }))
    }

    package var isNull: Bool { if case .null = self { return true } else { return false } }

    package var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    package var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

    /// The value of an integer number; `nil` for every other value, including doubles.
    package var integerValue: Int64? {
        if case .number(.integer(let i)) = self { return i } else { return nil }
    }

    package var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    package var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// Member lookup on an object value; `nil` if this is not an object or has no such member.
    package subscript(name: String) -> JSONValue? {
        if case .object(let o) = self { return o[name] } else { return nil }
    }
}

// MARK: - Literals (for values built in code)

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    package init(nilLiteral: ()) { self = .null }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int64) { self = .number(.integer(value)) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Members in the order written.
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (name: $0.0, value: $0.1) }))
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Members in the order written.
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (name: $0.0, value: $0.1) })
    }
}

// MARK: - Exact equality

extension JSONValue: Equatable {
    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

extension JSONNumber: Equatable {
    package static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        default: return false
        }
    }
}

extension JSONObject: Equatable {
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (a, b) in zip(lhs.members, rhs.members) {
            guard sameName(a.name, b.name), a.value == b.value else { return false }
        }
        return true
    }
}
