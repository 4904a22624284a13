namespace EMamba.Core.Integer;

/// <summary>A code domain: a value is code x 2^-Frac, held in Bits bits (two's complement, or
/// unsigned when <see cref="Unsigned"/>). Every boundary between two integer operations has one.</summary>
public readonly record struct Domain(int Frac, int Bits, bool Unsigned = false)
{
    public long Max => Unsigned ? (1L << Bits) - 1 : (1L << (Bits - 1)) - 1;
    public long Min => Unsigned ? 0 : -(1L << (Bits - 1));
    public long Clamp(long v) => Unsigned ? IntOps.SatU(v, Bits) : IntOps.Sat(v, Bits);
    public override string ToString() => $"{(Unsigned ? "u" : "s")}{Bits}.{Frac}";
}

/// <summary>A linear layer on codes (doc §4): acc_j = bias_j + sum_i x_i w_ji, then
/// out_j = Sat(RoundShift(acc_j x Mult_j, Shift_j)) in <see cref="Out"/>. Weights int8 (Out, In),
/// row-major; biases at the accumulator's frac (In.Frac + the row's weight frac). When
/// <see cref="TokenBias"/> is set (the patch embedding, whose position table is folded into its
/// bias), the bias is (Tokens, Out) and token t adds row t.</summary>
public sealed record IntLinear(string Name, int InFeatures, int OutFeatures, sbyte[] Weight, int[] WeightFrac, long[] Bias,
    long[] Mult, int[] Shift, Domain In, Domain Out, bool TokenBias = false)
{
    public int Tokens => TokenBias ? Bias.Length / OutFeatures : 1;
    public ReadOnlySpan<sbyte> Row(int j) => Weight.AsSpan(j * InFeatures, InFeatures);
    public long BiasAt(int token, int j) => TokenBias ? Bias[token * OutFeatures + j] : Bias.Length == 0 ? 0 : Bias[j];
}

/// <summary>Range norm on codes (doc §5): t = RangeNormT(x) in Q14, then
/// y_i = Sat(RoundShift(t_i gamma_i + beta_i, 14 + GammaFrac - Out.Frac)).</summary>
public sealed record IntRangeNorm(string Name, int Width, sbyte[] Gamma, int GammaFrac, long[] Beta, long[] Recip, Domain In, Domain Out);

/// <summary>A PWL unit on codes (doc §7): knots in the input's codes (strictly increasing), values in
/// the output's codes, slopes in Q16 output codes per input code; tails by slope; result clamped to [Lo, Hi].</summary>
public sealed record IntPwl(string Name, long[] Knots, long[] Values, long[] Slopes, long BelowSlope, long AboveSlope, long Lo, long Hi, Domain In, Domain Out);

/// <summary>Causal depthwise conv on codes (doc §6): per channel c, acc = bias_c + sum_k w_ck x_{t-K+1+k,c}
/// over the carried window, requantized like a linear layer.</summary>
public sealed record IntConv(string Name, int Channels, int Kernel, sbyte[] Weight, int[] WeightFrac, long[] Bias, long[] Mult, int[] Shift, Domain In, Domain Out);

/// <summary>One eMamba block on codes, with the domain of every boundary (doc §3 lists them in order).</summary>
public sealed record IntBlock(
    int Index,
    IntRangeNorm Norm,           // x -> n
    IntLinear InProj,            // n -> [u0 | z]   (2 Din outputs; the halves may have different domains)
    Domain U0, Domain Z,
    IntConv Conv,                // u0 -> uc
    IntPwl? ConvSilu,            // uc -> u (when the config has SiLU after the conv)
    Domain U,
    IntLinear XProj,             // u -> [dt | B | C]
    Domain Dt, Domain B, Domain C,
    IntLinear DtProj,            // dt -> Delta (unsigned: the ReLU is its lower saturation)
    long[] ANeg, Domain A,       // -A per (channel, n), unsigned codes
    Domain ExpIn,                // e = -(Delta a) narrowed
    IntPwl Exp,                  // e -> A_bar (unsigned, 1.0 = 2^Frac)
    Domain State,                // h, stored
    sbyte[] DSkip, int DFrac,    // D per channel
    Domain Y,                    // C readout + D skip
    IntPwl Silu,                 // z -> s
    Domain Gate,                 // g = y s
    IntLinear OutProj,           // g -> o
    Domain Residual)             // x + o -> next block's x
{
    public int DInner => Conv.Channels;
    public int DState => ANeg.Length / Conv.Channels;
    public int DtRank => DtProj.InFeatures;
}

/// <summary>A quantized vision / radar / language model: everything the engine and the RTL need, in
/// integers (doc §1 lists the pipeline). Input codes are made on the host from normalised floats
/// (<see cref="InputQuant"/>); outputs are the head's int32-range accumulators at <see cref="Output"/>.</summary>
public sealed record IntModel(
    ModelConfig Config,
    Domain Input,
    IntLinear? Embed,            // vision / radar: patches -> x0 (position table in the token bias)
    sbyte[]? TokenEmbedding, int TokenEmbeddingFrac, // LM: (Vocab, e) table, tied with the head
    IntLinear? EmbedIn,          // LM with e < D
    IntBlock[] Blocks,
    IntRangeNorm FinalNorm,
    IntLinear? EmbedOut,         // LM with e < D
    IntLinear? Head,             // vision / radar: pooled sum -> outputs (1/T folded into its weights)
    Domain Output,
    string Normalizer)
{
    public int Tokens => Config.Tokens;
}
