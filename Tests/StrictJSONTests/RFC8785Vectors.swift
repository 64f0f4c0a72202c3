// Test vectors for RFC 8785 (JCS). Origins (see README.md in this folder):
// - RFC 8785 §3.2.2 (sample object), §3.2.3 (sorting example), §3.2.4 (UTF-8 bytes of the
//   sample's canonical form) and Appendix B (number serialization samples).
// - cyberphone/json-canonicalization (Apache-2.0), testdata/input/*.json and
//   testdata/output/*.json, copied verbatim; control characters in the outputs are written as
//   Swift escapes. `arrays.json` has no output file there: its expected output here was derived
//   by hand from RFC 8785 §3.2.3.

/// RFC 8785 §3.2.2: the sample input ...
let rfc8785SampleInput = #"""
{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}
"""#

/// ... its canonical form (§3.2.2) ...
let rfc8785SampleOutput = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#

/// ... and that form's UTF-8 bytes as printed in §3.2.4.
let rfc8785SampleHex = """
7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d
"""

/// RFC 8785 §3.2.3: property sorting.
let rfc8785SortingInput = #"""
{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}
"""#

/// The member names of the §3.2.3 example in their canonical order, as the RFC lists them.
let rfc8785SortingOrder: [String] = [
    "\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1F600}", "\u{fb33}",
]

/// RFC 8785 Appendix B: IEEE 754 bits and their serialization. NaN and Infinity (7fffffffffffffff,
/// 7ff0000000000000) have none; they are tested separately.
let rfc8785AppendixB: [(bits: UInt64, expected: String)] = [
    (0x0000000000000000, "0"),
    (0x8000000000000000, "0"),
    (0x0000000000000001, "5e-324"),
    (0x8000000000000001, "-5e-324"),
    (0x7fefffffffffffff, "1.7976931348623157e+308"),
    (0xffefffffffffffff, "-1.7976931348623157e+308"),
    (0x4340000000000000, "9007199254740992"),
    (0xc340000000000000, "-9007199254740992"),
    (0x4430000000000000, "295147905179352830000"),
    (0x44b52d02c7e14af5, "9.999999999999997e+22"),
    (0x44b52d02c7e14af6, "1e+23"),
    (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
    (0x444b1ae4d6e2ef4e, "999999999999999700000"),
    (0x444b1ae4d6e2ef4f, "999999999999999900000"),
    (0x444b1ae4d6e2ef50, "1e+21"),
    (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
    (0x3eb0c6f7a0b5ed8d, "0.000001"),
    (0x41b3de4355555553, "333333333.3333332"),
    (0x41b3de4355555554, "333333333.33333325"),
    (0x41b3de4355555555, "333333333.3333333"),
    (0x41b3de4355555556, "333333333.3333334"),
    (0x41b3de4355555557, "333333333.33333343"),
    (0xbecbf647612f3696, "-0.0000033333333333333333"),
    (0x43143ff3c1cb0959, "1424953923781206.2"),
]

/// cyberphone/json-canonicalization testdata: (file name, input, expected output).
let cyberphoneVectors: [(name: String, input: String, output: String)] = [
    (
        "arrays.json",
        #"""
        [
          56,
          {
            "d": true,
            "10": null,
            "1": [ ]
          }
        ]
        """#,
        #"[56,{"1":[],"10":null,"d":true}]"#
    ),
    (
        "french.json",
        #"""
        {
          "peach": "This sorting order",
          "péché": "is wrong according to French",
          "pêche": "but canonicalization MUST",
          "sin":   "ingnore locale"
        }

        """#,
        #"{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ingnore locale"}"#
    ),
    (
        "simpleString.json",
        #"    "this is a test string 1235""#,
        #""this is a test string 1235""#
    ),
    (
        "structures.json",
        #"""
        {
          "1": {"f": {"f": "hi","F": 5} ,"\n": 56.0},
          "10": { },
          "": "empty",
          "a": { },
          "111": [ { } ],
          "A": { }
        }
        """#,
        #"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}"#
    ),
    (
        "unicode.json",
        #"""
        {
          "Unnormalized Unicode":"\u1e0d\u0307"
        }

        """#,
        "{\"Unnormalized Unicode\":\"\u{1e0d}\u{307}\"}"
    ),
    (
        "values.json",
        #"""
        {
          "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
          "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#,
        #"{"escaping":"€$\u000f\nA'B\"\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}"#
    ),
    (
        "weird.json",
        #"""
        {
          "\u20ac": "Euro Sign",
          "1": "One",
          "\u0080": "Control\u007f",
          "\ud83d\ude02": "Smiley",
          "\u00f6": "Latin Small Letter O With Diaeresis",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "</script>": "Browser Challenge"
        }

        """#,
        "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7f}\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1F602}\":\"Smiley\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
    ),
]
