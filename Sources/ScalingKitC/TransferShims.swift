import CScalingKit
import ScalingKit

// MARK: - Conversions

private let roles: [ParameterRole] = [.inferred, .input, .hidden, .readout, .bias, .norm]

private let parametrizations: [Parametrization] = [.standard, .muP, .muPTable3]
private let optimizers: [OptimizerFamily] = [.adam, .sgd]
private let weightDecayRules: [WeightDecayRule] = [.inverseLearningRate, .sqrtWidth, .fixed, .independent]
private let batchRules: [BatchTransferRule] = [.none, .squareRoot, .linear]

/// The core's `TransferOptions()` in C terms.
private func defaultTransferOptions() -> sk_transfer_options {
    let d = TransferOptions()
    return sk_transfer_options(
        struct_size: MemoryLayout<sk_transfer_options>.size, parametrization: enumIndex(d.parametrization, parametrizations),
        optimizer: enumIndex(d.optimizer, optimizers), weight_decay_rule: enumIndex(d.weightDecayRule, weightDecayRules),
        batch_rule: enumIndex(d.batchRule, batchRules), depth_alpha: d.depth?.alpha ?? 0,
        base_layers: d.depth?.baseLayers ?? 0, layers: d.depth?.layers ?? 0, hold_timescale: d.holdTimescale ? 1 : 0,
        horizon_exponent: d.horizonExponent)
}

private func transferOptions(_ p: UnsafePointer<sk_transfer_options>?) throws(ScalingKitError) -> TransferOptions {
    var o = TransferOptions()
    guard let p else { return o }
    let c = try readVersioned(p, "sk_transfer_options", defaults: defaultTransferOptions())
    o.parametrization = try enumCase(c.parametrization, parametrizations, "options.parametrization")
    o.optimizer = try enumCase(c.optimizer, optimizers, "options.optimizer")
    o.weightDecayRule = try enumCase(c.weight_decay_rule, weightDecayRules, "options.weight_decay_rule")
    o.batchRule = try enumCase(c.batch_rule, batchRules, "options.batch_rule")
    if c.depth_alpha != 0 {
        o.depth = try core {
            try DepthScaling(alpha: c.depth_alpha, baseLayers: try optionCount(c.base_layers, "base_layers"),
                             layers: try optionCount(c.layers, "layers"))
        }
    }
    o.holdTimescale = try flag(c.hold_timescale, "options.hold_timescale")
    o.horizonExponent = c.horizon_exponent
    return o
}

private func sizes(_ p: UnsafePointer<Int64>?, _ rank: Int, _ name: String) throws(ScalingKitError) -> [Int] {
    let p = try nonNull(p, name)
    return UnsafeBufferPointer(start: p, count: rank).map { Int(truncatingIfNeeded: $0) }
}

private func specs(_ groups: UnsafePointer<sk_param_group>?, _ n: Int) throws(ScalingKitError) -> [ParameterSpec] {
    let groups = try nonNull(groups, "groups")
    let n = try checkedLength(n, "n")
    var out: [ParameterSpec] = []
    for i in 0..<n {
        let g = groups[i]
        try checkStructSize(g.struct_size, expected: MemoryLayout<sk_param_group>.size, "sk_param_group")
        guard g.rank >= 1, g.rank <= Int(SK_MAX_RANK) else {
            throw ScalingKitError(.invalidLength, "groups[\(i)].rank is \(UInt(bitPattern: g.rank)): 1 ... \(SK_MAX_RANK)")
        }
        let name = g.name == nil ? "groups[\(i)]" : try cString(g.name, "groups[\(i)].name")
        let base = try sizes(g.base_shape, g.rank, "groups[\(i)].base_shape")
        let target = try sizes(g.target_shape, g.rank, "groups[\(i)].target_shape")
        let delta = g.delta_shape == nil ? nil : try sizes(g.delta_shape, g.rank, "groups[\(i)].delta_shape")
        let shape = try core { try WidthShape(base: base, delta: delta, target: target) }
        out.append(ParameterSpec(name: name, shape: shape, role: try enumCase(g.role, roles, "groups[\(i)].role"),
                                 inResidualBlock: try flag(g.in_residual_block, "groups[\(i)].in_residual_block")))
    }
    return out
}

private func write(_ r: ParameterRule, absolute: GroupHyperparameters?, to out: UnsafeMutablePointer<sk_group_hparams>) {
    out.pointee = sk_group_hparams(
        struct_size: MemoryLayout<sk_group_hparams>.size, role: Int32(roles.firstIndex(of: r.role)!),
        scaled_axes: Int32(r.scaledAxes), width_mult: r.widthMultiplier, fan_in_mult: r.fanInMultiplier,
        fan_out_mult: r.fanOutMultiplier, init_std_mult: r.initStdMultiplier, forward_mult: r.forwardMultiplier,
        lr_mult: r.learningRateMultiplier, wd_mult: r.weightDecayMultiplier, eps_mult: r.epsilonMultiplier,
        learning_rate: absolute?.learningRate ?? .nan, weight_decay: absolute?.weightDecay ?? .nan,
        init_std: absolute?.initStd ?? .nan, epsilon: absolute?.epsilon ?? .nan)
}

private func checkOut(_ out: UnsafeMutablePointer<sk_group_hparams>?) throws(ScalingKitError) -> UnsafeMutablePointer<sk_group_hparams> {
    let out = try nonNull(out, "out")
    try checkStructSize(UnsafeRawPointer(out).load(as: Int.self), expected: MemoryLayout<sk_group_hparams>.size, "sk_group_hparams")
    return out
}

// MARK: - Entry points

@c @implementation
public func sk_transfer_options_init(_ options: UnsafeMutablePointer<sk_transfer_options>?, _ structSize: Int) -> Int32 {
    initVersioned("sk_transfer_options_init", options, structSize, "sk_transfer_options", defaultTransferOptions)
}

@c @implementation
public func sk_transfer_rules(_ groups: UnsafePointer<sk_param_group>?, _ n: Int,
                              _ options: UnsafePointer<sk_transfer_options>?,
                              _ out: UnsafeMutablePointer<sk_group_hparams>?) -> Int32 {
    guarded("sk_transfer_rules") { () throws(ScalingKitError) in
        let specs = try specs(groups, n)
        let o = try transferOptions(options)
        let out = try checkOut(out)
        let rules = try core {
            try specs.map { try Transfer.rule(for: $0, parametrization: o.parametrization, optimizer: o.optimizer,
                                              weightDecay: o.weightDecayRule, depth: o.depth) }
        }
        for (i, r) in rules.enumerated() { write(r, absolute: nil, to: out + i) }
    }
}

@c @implementation
public func sk_transfer(_ groups: UnsafePointer<sk_param_group>?, _ n: Int, _ proxy: UnsafePointer<sk_proxy_hparams>?,
                        _ targetBatch: Double, _ targetTokens: Double, _ options: UnsafePointer<sk_transfer_options>?,
                        _ out: UnsafeMutablePointer<sk_group_hparams>?, _ info: UnsafeMutablePointer<sk_transfer_info>?) -> Int32 {
    guarded("sk_transfer") { () throws(ScalingKitError) in
        let specs = try specs(groups, n)
        let o = try transferOptions(options)
        let p = try nonNull(proxy, "proxy")
        try checkStructSize(p.pointee.struct_size, expected: MemoryLayout<sk_proxy_hparams>.size, "sk_proxy_hparams")
        let c = p.pointee
        let hp = ProxyHyperparameters(learningRate: c.learning_rate, weightDecay: c.weight_decay, initStd: c.init_std,
                                      beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, batchTokens: c.batch_tokens,
                                      tokens: c.tokens)
        let out = try checkOut(out)
        let infoSize = info.map { UnsafeRawPointer($0).load(as: Int.self) }
        if let infoSize {
            try checkStructSize(infoSize, known: [MemoryLayout<sk_transfer_info>.size, transferInfoSize044], "sk_transfer_info")
        }
        let r = try core { try Transfer.plan(groups: specs, proxy: hp, targetBatchTokens: targetBatch, targetTokens: targetTokens, options: o) }
        for (i, g) in r.groups.enumerated() { write(g.rule, absolute: g, to: out + i) }
        if let info, let infoSize {
            let value = sk_transfer_info(struct_size: infoSize, residual_mult: r.residualMultiplier, beta1: r.beta1,
                                         beta2: r.beta2, lr_scale: r.learningRateScale, notes: r.notes.rawValue)
            try writeVersioned(value, to: info, size: infoSize, "sk_transfer_info", earlierSizes: [transferInfoSize044])
        }
    }
}

/// sizeof(sk_transfer_info) in 0.4.0-0.4.4, before `notes`.
private let transferInfoSize044 = MemoryLayout<sk_transfer_info>.offset(of: \sk_transfer_info.notes)!

/// The core's sentence for each note, copied once into C strings that live as long as the library.
private let transferNoteStrings: [UInt32: ImmortalCString] = Dictionary(uniqueKeysWithValues:
    TransferNotes.each.map { ($0.rawValue, ImmortalCString($0.descriptions[0])) })

@c @implementation
public func sk_transfer_note_string(_ note: UInt32) -> UnsafePointer<CChar>? {
    transferNoteStrings[note]?.pointer
}

@c @implementation
public func sk_transfer_umup_lr_scale(_ type: Int32, _ shape: UnsafePointer<Int64>?, _ rank: Int, _ depth: Int,
                                      _ optimizer: Int32, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_transfer_umup_lr_scale") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        guard rank >= 1, rank <= Int(SK_MAX_RANK) else { throw ScalingKitError(.invalidLength, "rank is \(UInt(bitPattern: rank)): 1 ... \(SK_MAX_RANK)") }
        let dims = try sizes(shape, rank, "shape")
        let t = try enumCase(type, [UnitScaledType.weight, .bias, .norm, .output], "type")
        let family = try enumCase(optimizer, optimizers, "optimizer")
        let d = try optionCount(depth, "depth")
        out.pointee = try core { try Transfer.unitScaledLearningRateScale(type: t, shape: dims, depth: d, optimizer: family) }
    }
}

@c @implementation
public func sk_transfer_umup_weight_decay(_ lambda: Double, _ groupLR: Double, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_transfer_umup_weight_decay") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        out.pointee = try core { try Transfer.independentWeightDecay(lambda, groupLearningRate: groupLR) }
    }
}

@c @implementation
public func sk_transfer_umup_residual_tau(_ index: Int, _ layers: Int, _ mult: Double, _ ratio: Double,
                                         _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_transfer_umup_residual_tau") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let i = try optionCount(index, "index"), n = try optionCount(layers, "layers")
        out.pointee = try core { try Transfer.unitScaledResidualTau(index: i, layers: n, residualMultiplier: mult, attentionRatio: ratio) }
    }
}

@c @implementation
public func sk_transfer_attention_scale(_ headDim: Int, _ baseHeadDim: Int, _ parametrization: Int32,
                                        _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_transfer_attention_scale") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let p = try enumCase(parametrization, parametrizations, "parametrization")
        let d = try optionCount(headDim, "head_dim"), b = try optionCount(baseHeadDim, "base_head_dim")
        out.pointee = try core { try Transfer.attentionScale(headDim: d, baseHeadDim: b, parametrization: p) }
    }
}

@c @implementation
public func sk_hp_law(_ name: UnsafePointer<CChar>?, _ N: Double, _ D: Double, _ C: Double,
                      _ lr: UnsafeMutablePointer<Double>?, _ batch: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_hp_law") { () throws(ScalingKitError) in
        let name = try cString(name, "name")
        let lr = try nonNull(lr, "learning_rate"), batch = try nonNull(batch, "batch_tokens")
        guard let law = HyperparameterLaw(rawValue: name) else {
            throw ScalingKitError(.invalidArgument, "unknown hyperparameter law '\(name)'; known: \(HyperparameterLaw.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let p = try core { () throws -> HyperparameterPrediction in
            switch law {
            case .deepSeek: return try HyperparameterLaw.deepSeek(compute: C)
            case .stepLaw: return try HyperparameterLaw.stepLaw(parameters: N, tokens: D)
            }
        }
        lr.pointee = p.learningRate
        batch.pointee = p.batchTokens
    }
}

@c @implementation
public func sk_transfer_adam_sqrt(_ k: Double, _ input: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_transfer_adam_sqrt") { () throws(ScalingKitError) in
        let i = try nonNull(input, "in"), o = try nonNull(out, "out")
        let h = try core {
            try BatchRules.adamSquareRoot(AdamHyperparameters(learningRate: i[0], beta1: i[1], beta2: i[2], epsilon: i[3]), kappa: k)
        }
        o[0] = h.learningRate; o[1] = h.beta1; o[2] = h.beta2; o[3] = h.epsilon
    }
}

@c @implementation
public func sk_transfer_optimal_lr(_ optimizer: Int32, _ batch: Double, _ noiseScale: Double, _ peak: Double,
                                _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_transfer_optimal_lr") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        let family = try enumCase(optimizer, optimizers, "optimizer")
        out.pointee = try core {
            family == .adam ? try BatchRules.adamOptimalLearningRate(batch: batch, noiseScale: noiseScale, peak: peak)
                            : try BatchRules.sgdOptimalLearningRate(batch: batch, noiseScale: noiseScale, peak: peak)
        }
    }
}

@c @implementation
public func sk_transfer_adamw_timescale(_ batch: Double, _ lr: Double, _ wd: Double, _ tokens: Double,
                               _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("sk_transfer_adamw_timescale") { () throws(ScalingKitError) in
        let out = try nonNull(out, "out")
        out.pointee = try core { try BatchRules.adamWTimescale(batch: batch, learningRate: lr, weightDecay: wd, tokens: tokens) }
    }
}
