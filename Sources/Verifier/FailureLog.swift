/// The failures of one kind that the receipt stream finds, one per receipt at most, in line order.
/// Only the first `cap` are kept (the report lists no more than that); all are counted.
struct FailureBucket: Sendable {
    let cap: Int
    private(set) var kept: [Failure] = []
    private(set) var count = 0

    init(cap: Int) { self.cap = max(0, cap) }

    mutating func add(_ failure: Failure) {
        count += 1
        if kept.count < cap { kept.append(failure) }
    }

    mutating func add(_ failure: Failure?) {
        if let failure { add(failure) }
    }
}

/// The failures of one stage, in the order the stage found them. A stage that checks receipts
/// places the bucket the receipt stream filled at the point where it would have walked the
/// receipts, so that the order of the report does not depend on when (or on how many threads)
/// the receipts were read.
struct StageLog {
    enum Entry {
        case failure(Failure)
        case bucket(FailureBucket)
    }
    private(set) var entries: [Entry] = []
    private(set) var count = 0

    mutating func append(_ failure: Failure) {
        entries.append(.failure(failure))
        count += 1
    }

    mutating func append(_ bucket: FailureBucket) {
        guard bucket.count > 0 else { return }
        entries.append(.bucket(bucket))
        count += bucket.count
    }

    /// At most `limit` failures, in order.
    func listed(limit: Int) -> [Failure] {
        var out: [Failure] = []
        for entry in entries {
            guard out.count < limit else { break }
            switch entry {
            case .failure(let f): out.append(f)
            case .bucket(let b): out.append(contentsOf: b.kept.prefix(limit - out.count))
            }
        }
        return out
    }
}
