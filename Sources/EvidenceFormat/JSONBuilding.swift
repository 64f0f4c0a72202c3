import EvidenceCrypto
import StrictJSON

/// Small constructors so that every object's serializer reads like its schema.
extension JSONValue {
    package static func obj(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members.map { (name: $0.0, value: $0.1) }))
    }
    package static func str(_ s: String) -> JSONValue { .string(s) }
    package static func hash(_ h: Hash256) -> JSONValue { .string(h.hex) }
    package static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    package static func optionalHash(_ h: Hash256?) -> JSONValue { h.map { .string($0.hex) } ?? .null }
    package static func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
}
