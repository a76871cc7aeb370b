import CScalingKit
import ScalingKit

extension sk_interval {
    /// The core's interval, or NaN ends where it is not defined; `level` is then the coverage that was asked for.
    init(_ interval: ConfidenceInterval?, level: Double) {
        self.init(lower: interval?.lower ?? .nan, upper: interval?.upper ?? .nan, level: interval?.level ?? level)
    }
}
