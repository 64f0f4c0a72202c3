/// ECMAScript `Number::toString(x)` (ECMA-262 §6.1.6.1.20, radix 10), the number serialization
/// RFC 8785 §3.2.2.3 requires.
///
/// The algorithm has two halves:
///
/// 1. Digits. ECMA-262 asks for the decimal digits s (k of them, k as small as possible) and the
///    exponent n such that s × 10^(n−k) is exactly the double x after round-to-nearest, and, when
///    several k-digit s qualify, the one closest to x (the even one on a tie). That is the
///    "shortest, closest round-trip" decimal. Swift's `Double.description` is specified to print
///    exactly that decimal (SwiftDtoa: shortest digits that round-trip, closest to the exact binary
///    value), only laid out in Swift's own style ("1e-05", "100.0", "1e+16"). We therefore take the
///    digits and the exponent from it and discard its layout: `ShortestDecimal` parses any of
///    Swift's forms into (digits, n), with leading and trailing zeros removed.
/// 2. Layout, exactly ECMA-262's rules, with k digits s and exponent n:
///    - k ≤ n ≤ 21: the digits, then n−k zeros ("1e21" is the first to switch to exponent form);
///    - 0 < n ≤ 21: the first n digits, ".", the remaining k−n digits;
///    - −6 < n ≤ 0: "0.", −n zeros, the digits (so 1e-6 is "0.000001", 1e-7 is "1e-7");
///    - otherwise: the first digit, then "." and the other digits if k > 1, then "e", "+" or "-",
///      and |n−1| in decimal without leading zeros.
///    Negative numbers get a "-" prefix; −0 prints as "0"; NaN and ±Infinity have no JSON form.
enum ECMAScriptNumber {
    static func format(_ x: Double) -> String? {
        guard x.isFinite else { return nil }
        if x == 0 { return "0" }  // +0 and -0 alike
        guard let decimal = ShortestDecimal(x.magnitude) else {
            // Unreachable for finite non-zero doubles: Swift always prints digits for them.
            return nil
        }
        let body = layout(digits: decimal.digits, n: decimal.n)
        return x < 0 ? "-" + body : body
    }

    /// ECMA-262 Number::toString steps 6–10 for digits s (k = s.count) and exponent n.
    static func layout(digits s: [UInt8], n: Int) -> String {
        let k = s.count
        var out: [UInt8] = []
        out.reserveCapacity(k + 26)
        let zero = UInt8(ascii: "0")
        if k <= n && n <= 21 {
            out += s
            out += repeatElement(zero, count: n - k)
        } else if 0 < n && n <= 21 {
            out += s[0..<n]
            out.append(UInt8(ascii: "."))
            out += s[n...]
        } else if -6 < n && n <= 0 {
            out += [zero, UInt8(ascii: ".")]
            out += repeatElement(zero, count: -n)
            out += s
        } else {
            out.append(s[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += s[1...]
            }
            out.append(UInt8(ascii: "e"))
            let e = n - 1
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out += Array(String(e.magnitude).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The shortest round-trip decimal of a positive finite double: value = 0.d1d2…dk × 10^n, that is
/// digits × 10^(n−k) in ECMA-262's terms, with d1 ≠ 0 and dk ≠ 0.
struct ShortestDecimal {
    /// ASCII digits, no leading or trailing zeros.
    let digits: [UInt8]
    /// ECMA-262's n: the position of the decimal point relative to the first digit.
    let n: Int

    /// Reads Swift's `description` of `x` ("123.45", "0.001", "1e-05", "1.2345e+20", "5e-324").
    init?(_ x: Double) {
        guard x.isFinite, x > 0 else { return nil }
        let text = Array(x.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<e]
            var expText = text[(e + 1)...]
            var negative = false
            if let sign = expText.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negative = sign == UInt8(ascii: "-")
                expText = expText.dropFirst()
            }
            guard !expText.isEmpty, expText.count <= 4 else { return nil }
            for d in expText {
                guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
                exponent = exponent * 10 + Int(d - UInt8(ascii: "0"))
            }
            if negative { exponent = -exponent }
        }
        // mantissa = intDigits [ "." fracDigits ]; value = intDigits.fracDigits × 10^exponent.
        var all: [UInt8] = []
        var intCount = 0
        var seenDot = false
        for c in mantissa {
            if c == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
            } else {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                all.append(c)
                if !seenDot { intCount += 1 }
            }
        }
        // The point sits after intCount digits: value = 0.all × 10^(intCount + exponent).
        var n = intCount + exponent
        var first = 0
        while first < all.count, all[first] == UInt8(ascii: "0") {
            first += 1
            n -= 1
        }
        var last = all.count
        while last > first, all[last - 1] == UInt8(ascii: "0") { last -= 1 }
        guard first < last else { return nil }
        self.digits = Array(all[first..<last])
        self.n = n
    }
}
