/// A parameter's shape in the base (proxy) model, in a delta model and in the target, and what follows from them:
/// which axes scale with width and by how much.
///
/// The rule is `mup`'s (Yang et al. 2022, TP5; microsoft/mup 1.0.0 `zip_infshape`): an axis is width-scaled
/// ("infinite") exactly when its size differs between the base and the delta model; the delta defaults to the
/// target. A target equal to its base therefore has no scaled axis (every multiplier 1). Shapes follow PyTorch's
/// layout, `(fan_out, fan_in)` for a matrix.
public struct WidthShape: Sendable, Equatable {
    /// The shape in the base (proxy) model.
    public var base: [Int]
    /// The shape in a second small model that differs from the base in the width axes only (as mup's delta model).
    public var delta: [Int]
    /// The shape in the target model.
    public var target: [Int]

    /// A parameter's shapes in the base, delta and target models; axes where base and delta differ scale with width.
    ///
    /// - Throws: `ScalingKitError` for shapes of different ranks, sizes ≤ 0, a scaled axis that shrinks from base to
    ///   target, or more than two scaled axes (μP defines rules for vector-like and matrix-like tensors only: a
    ///   third width-scaled axis has no fan-in/fan-out reading).
    public init(base: [Int], delta: [Int]? = nil, target: [Int]) throws {
        let delta = delta ?? target
        guard !base.isEmpty, base.count == target.count, delta.count == target.count else {
            throw ScalingKitError.invalid("base \(base), delta \(delta) and target \(target) shapes need the same rank (>= 1)")
        }
        for (name, shape) in [("base", base), ("delta", delta), ("target", target)] where shape.contains(where: { $0 <= 0 }) {
            throw ScalingKitError.invalid("\(name) shape \(shape) has a size <= 0")
        }
        self.base = base
        self.delta = delta
        self.target = target
        for i in base.indices where isScaled(i) && target[i] < base[i] {
            throw ScalingKitError.invalid("axis \(i) shrinks from \(base[i]) to \(target[i]): transfer goes from a small proxy to a larger target")
        }
        guard scaledAxes <= 2 else {
            throw ScalingKitError(.unsupported,
                "shape \(target) has \(scaledAxes) width-scaled axes; μP has rules for at most 2 (vector-like and matrix-like tensors)")
        }
    }

    /// Whether axis i scales with width (its size differs between base and delta).
    public func isScaled(_ i: Int) -> Bool { base[i] != delta[i] }

    /// mup's `ninf`: the number of width-scaled axes (0 scalar-like, 1 vector-like, 2 matrix-like).
    public var scaledAxes: Int { base.indices.filter(isScaled).count }

    /// target/base on a scaled axis, 1 on a fixed one.
    public func multiplier(_ i: Int) -> Double { isScaled(i) ? Double(target[i]) / Double(base[i]) : 1 }

    /// mup's `width_mult`: the multiplier of the last scaled axis (the fan-in of a matrix), 1 if none scales.
    public var widthMultiplier: Double {
        guard let last = base.indices.last(where: isScaled) else { return 1 }
        return multiplier(last)
    }

    /// The fan-in multiplier (axis 1; 1 for a vector) and the fan-out multiplier (axis 0).
    public var fanInMultiplier: Double { base.count > 1 ? multiplier(1) : 1 }
    /// The fan-out multiplier (axis 0).
    public var fanOutMultiplier: Double { multiplier(0) }
}
