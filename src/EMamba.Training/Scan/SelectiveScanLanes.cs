using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EMamba.Training.Eval;

namespace EMamba.Training.Scan;

/// <summary>A run of consecutive floats processed together: the scan kernel is written once over this
/// interface and instantiated for 16 lanes (Vector512), 8 (Vector256), 4 (Vector128) and 1 (scalar),
/// so a state of any size N is covered by full vectors plus a short tail. The JIT specialises each
/// generic instantiation over these single-field structs, so the abstraction costs nothing.</summary>
internal unsafe interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Load(float* p);
    static abstract void Store(TSelf v, float* p);
    static abstract TSelf Splat(float x);
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, float b);
    /// <summary>a * b + c with one rounding.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);
    static abstract float Sum(TSelf a);
    /// <summary>e^x to about 1 ulp (e^0 = 1 exactly); 0 below x = -87 (the float normal range).</summary>
    static abstract TSelf Exp(TSelf x);
    /// <summary>v where lo &lt;= x &lt; hi, else 0 (segment masks of the piecewise-linear exp).</summary>
    static abstract TSelf InRange(TSelf x, float lo, float hi, TSelf v);
}

/// <summary>Constants of the vector exp: Cephes' expf. exp(x) = 2^k * exp(r) with k = round(x / ln 2),
/// r = x - k ln 2 in [-ln2/2, ln2/2] (ln 2 split in two parts so r is exact), exp(r) = 1 + r + r^2 P(r)
/// with a degree-5 minimax P; relative error about 1e-7 (measured max 1.2e-7 over [-87, 0]).</summary>
internal static class ExpConst
{
    public const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    public const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
                       P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    // Below -87 the result would leave float's normal range (the 2^k scaling by exponent-bit addition
    // needs it): flush to 0. Above 88 (never reached by exp(delta * A) with A < 0, delta >= 0): clamp.
    public const float Lo = -87f, Hi = 88f;
}

internal readonly unsafe struct Lanes16(Vector512<float> v) : ILanes<Lanes16>
{
    private readonly Vector512<float> V = v;
    public static int Count => 16;
    public static Lanes16 Zero => new(Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Load(float* p) => new(Vector512.Load(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes16 v, float* p) => v.V.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Splat(float x) => new(Vector512.Create(x));
    public static Lanes16 operator +(Lanes16 a, Lanes16 b) => new(a.V + b.V);
    public static Lanes16 operator *(Lanes16 a, Lanes16 b) => new(a.V * b.V);
    public static Lanes16 operator *(Lanes16 a, float b) => new(a.V * b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Fma(Lanes16 a, Lanes16 b, Lanes16 c) => new(Vector512.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Lanes16 a) => Lanes4.Sum4(Lanes8.Fold(a.V.GetLower() + a.V.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 InRange(Lanes16 x, float lo, float hi, Lanes16 v) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x.V, Vector512.Create(lo)) & Vector512.LessThan(x.V, Vector512.Create(hi)), v.V, Vector512<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Exp(Lanes16 a)
    {
        var x = a.V;
        var under = Vector512.LessThan(x, Vector512.Create(ExpConst.Lo));
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpConst.Lo)), Vector512.Create(ExpConst.Hi));
        var k = Vector512.Floor(Vector512.FusedMultiplyAdd(x, Vector512.Create(ExpConst.Log2E), Vector512.Create(0.5f)));
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-ExpConst.Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-ExpConst.Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(ExpConst.P0), r, Vector512.Create(ExpConst.P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpConst.P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpConst.P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpConst.P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpConst.P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var scaled = (p.AsInt32() + Vector512.ShiftLeft(Vector512.ConvertToInt32Native(k), 23)).AsSingle();
        return new(Vector512.ConditionalSelect(under, Vector512<float>.Zero, scaled));
    }
}

internal readonly unsafe struct Lanes8(Vector256<float> v) : ILanes<Lanes8>
{
    private readonly Vector256<float> V = v;
    public static int Count => 8;
    public static Lanes8 Zero => new(Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Load(float* p) => new(Vector256.Load(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes8 v, float* p) => v.V.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Splat(float x) => new(Vector256.Create(x));
    public static Lanes8 operator +(Lanes8 a, Lanes8 b) => new(a.V + b.V);
    public static Lanes8 operator *(Lanes8 a, Lanes8 b) => new(a.V * b.V);
    public static Lanes8 operator *(Lanes8 a, float b) => new(a.V * b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Fma(Lanes8 a, Lanes8 b, Lanes8 c) => new(Vector256.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Lanes8 a) => Lanes4.Sum4(Fold(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static Vector128<float> Fold(Vector256<float> v) => v.GetLower() + v.GetUpper();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 InRange(Lanes8 x, float lo, float hi, Lanes8 v) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x.V, Vector256.Create(lo)) & Vector256.LessThan(x.V, Vector256.Create(hi)), v.V, Vector256<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 Exp(Lanes8 a)
    {
        var x = a.V;
        var under = Vector256.LessThan(x, Vector256.Create(ExpConst.Lo));
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpConst.Lo)), Vector256.Create(ExpConst.Hi));
        var k = Vector256.Floor(Vector256.FusedMultiplyAdd(x, Vector256.Create(ExpConst.Log2E), Vector256.Create(0.5f)));
        var r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-ExpConst.Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-ExpConst.Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(ExpConst.P0), r, Vector256.Create(ExpConst.P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpConst.P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpConst.P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpConst.P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpConst.P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var scaled = (p.AsInt32() + Vector256.ShiftLeft(Vector256.ConvertToInt32Native(k), 23)).AsSingle();
        return new(Vector256.ConditionalSelect(under, Vector256<float>.Zero, scaled));
    }
}

internal readonly unsafe struct Lanes4(Vector128<float> v) : ILanes<Lanes4>
{
    private readonly Vector128<float> V = v;
    public static int Count => 4;
    public static Lanes4 Zero => new(Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Load(float* p) => new(Vector128.Load(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes4 v, float* p) => v.V.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Splat(float x) => new(Vector128.Create(x));
    public static Lanes4 operator +(Lanes4 a, Lanes4 b) => new(a.V + b.V);
    public static Lanes4 operator *(Lanes4 a, Lanes4 b) => new(a.V * b.V);
    public static Lanes4 operator *(Lanes4 a, float b) => new(a.V * b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Fma(Lanes4 a, Lanes4 b, Lanes4 c) => new(Vector128.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Lanes4 a) => Sum4(a.V);
    // ((v0 + v2) + (v1 + v3)) in two shuffles: the library's Sum folds each 128-bit quarter separately.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sum4(Vector128<float> v)
    {
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes4 InRange(Lanes4 x, float lo, float hi, Lanes4 v) =>
        new(Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x.V, Vector128.Create(lo)) & Vector128.LessThan(x.V, Vector128.Create(hi)), v.V, Vector128<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes4 Exp(Lanes4 a)
    {
        var x = a.V;
        var under = Vector128.LessThan(x, Vector128.Create(ExpConst.Lo));
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(ExpConst.Lo)), Vector128.Create(ExpConst.Hi));
        var k = Vector128.Floor(Vector128.FusedMultiplyAdd(x, Vector128.Create(ExpConst.Log2E), Vector128.Create(0.5f)));
        var r = Vector128.FusedMultiplyAdd(k, Vector128.Create(-ExpConst.Ln2Hi), x);
        r = Vector128.FusedMultiplyAdd(k, Vector128.Create(-ExpConst.Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(ExpConst.P0), r, Vector128.Create(ExpConst.P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(ExpConst.P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(ExpConst.P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(ExpConst.P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(ExpConst.P5));
        p = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;
        var scaled = (p.AsInt32() + Vector128.ShiftLeft(Vector128.ConvertToInt32Native(k), 23)).AsSingle();
        return new(Vector128.ConditionalSelect(under, Vector128<float>.Zero, scaled));
    }
}

/// <summary>One lane: the tail of N that no vector covers.</summary>
internal readonly unsafe struct Lanes1(float v) : ILanes<Lanes1>
{
    private readonly float V = v;
    public static int Count => 1;
    public static Lanes1 Zero => new(0f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Load(float* p) => new(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes1 v, float* p) => *p = v.V;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Splat(float x) => new(x);
    public static Lanes1 operator +(Lanes1 a, Lanes1 b) => new(a.V + b.V);
    public static Lanes1 operator *(Lanes1 a, Lanes1 b) => new(a.V * b.V);
    public static Lanes1 operator *(Lanes1 a, float b) => new(a.V * b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Fma(Lanes1 a, Lanes1 b, Lanes1 c) => new(MathF.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Lanes1 a) => a.V;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Exp(Lanes1 x) => new(x.V < ExpConst.Lo ? 0f : MathF.Exp(MathF.Min(x.V, ExpConst.Hi)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 InRange(Lanes1 x, float lo, float hi, Lanes1 v) => new(x.V >= lo && x.V < hi ? v.V : 0f);
}
