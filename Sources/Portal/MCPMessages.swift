import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// The few facts the proxy needs from one newline-delimited JSON-RPC message, and the messages the
/// Portal writes itself. Everything the proxy does not need is never re-serialized: lines are
/// relayed byte for byte.
package enum MCPMessage {
    /// JSON-RPC error code of a call refused by the Portal: outside the reserved range
    /// −32768…−32000, so that no client mistakes it for a protocol error.
    package static let refusalCode: Int64 = -31001
    /// The call could not be sealed (the receipt could not be made durable): refused, fail closed.
    package static let unsealedCode: Int64 = -31002

    package enum Kind {
        case request(id: JSONValue, method: String, params: JSONObject?)
        case notification(method: String, params: JSONObject?)
        case response(id: JSONValue, result: JSONValue?, error: JSONValue?)
        /// Not a JSON-RPC message the Portal understands (unparsable, a batch, no method and no id…).
        case invalid(reason: String)
    }

    package static var parseOptions: JSONParseOptions {
        var o = JSONParseOptions.general
        o.maxBytes = 64 << 20
        o.maxStringBytes = 64 << 20
        o.maxDepth = 256
        o.maxElements = 1 << 20
        o.maxMembers = 1 << 16
        return o
    }

    package static func classify(_ line: ArraySlice<UInt8>) -> Kind {
        var body = line
        if body.last == 0x0d { body = body.dropLast() }
        let value: JSONValue
        do { value = try JSONParser.parse(body, options: parseOptions) } catch {
            return .invalid(reason: "\(error.code.rawValue): \(error.reason)")
        }
        guard case .object(let o) = value else { return .invalid(reason: "not a JSON-RPC message object (batches are not supported)") }
        let params: JSONObject? = if case .object(let p) = o["params"] ?? .null { p } else { nil }
        if case .string(let method) = o["method"] ?? .null {
            if let id = o["id"] { return .request(id: id, method: method, params: params) }
            return .notification(method: method, params: params)
        }
        if let id = o["id"], o["result"] != nil || o["error"] != nil {
            return .response(id: id, result: o["result"], error: o["error"])
        }
        return .invalid(reason: "neither a request, a notification nor a response")
    }

    /// The key of a request id in the pending map: its canonical JSON (ids are strings or numbers).
    package static func idKey(_ id: JSONValue) -> [UInt8] { JCS.canonicalize(id) }

    /// The Portal's answer to a refused call: a JSON-RPC error naming the reason code and the receipt.
    package static func refusal(id: JSONValue, reason: String, receipt: Hash256?, limit: String?, code: Int64 = refusalCode) -> [UInt8] {
        var data: [(String, JSONValue)] = [("reason", .str(reason)), ("receipt", .optionalHash(receipt))]
        if let limit { data.append(("limit", .str(limit))) }
        let message = "refused by the Portal: \(reason)" + (limit.map { " (\($0))" } ?? "")
        return JCS.canonicalize(.obj([
            ("jsonrpc", .str("2.0")),
            ("id", id),
            ("error", .obj([("code", .int(code)), ("message", .str(message)), ("data", .obj(data))])),
        ])) + [0x0a]
    }

    /// Phantom execution: the call is not forwarded; the agent sees an empty, successful result.
    package static func phantomResult(id: JSONValue) -> [UInt8] {
        JCS.canonicalize(.obj([
            ("jsonrpc", .str("2.0")),
            ("id", id),
            ("result", .obj([("content", .array([])), ("isError", .bool(false))])),
        ])) + [0x0a]
    }

    /// A JSON-RPC error for a line the Portal refuses to relay because it cannot read it.
    package static func parseError(_ reason: String) -> [UInt8] {
        JCS.canonicalize(.obj([
            ("jsonrpc", .str("2.0")),
            ("id", .null),
            ("error", .obj([("code", .int(-32700)), ("message", .str("Parse error: \(reason)"))])),
        ])) + [0x0a]
    }

    /// A tools/list response with every tool outside the allowlist removed. Returns nil when the
    /// response has no `result.tools` array (it is then relayed unchanged).
    package static func filterToolsList(_ line: ArraySlice<UInt8>, allowed: (String) -> Bool) -> [UInt8]? {
        var body = line
        if body.last == 0x0d { body = body.dropLast() }
        guard case .object(var message) = (try? JSONParser.parse(body, options: parseOptions)) ?? .null,
              let ri = message.members.firstIndex(where: { JSONObject.sameName($0.name, "result") }),
              case .object(var result) = message.members[ri].value,
              let ti = result.members.firstIndex(where: { JSONObject.sameName($0.name, "tools") }),
              case .array(let tools) = result.members[ti].value else { return nil }
        let kept = tools.filter { tool in
            if case .object(let t) = tool, case .string(let name) = t["name"] ?? .null { return allowed(name) }
            return false
        }
        result.members[ti].value = .array(kept)
        message.members[ri].value = .object(result)
        return JCS.canonicalize(.object(message)) + [0x0a]
    }
}
