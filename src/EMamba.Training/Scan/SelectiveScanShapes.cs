using static TorchSharp.torch;

namespace EMamba.Training.Scan;

/// <summary>Argument checks of <see cref="SelectiveScan"/>: every mismatch is an ArgumentException that
/// names the tensor, its shape and the shape it must have (derived from u and A or Abar).</summary>
internal static class SelectiveScanShapes
{
    /// <summary>Exactly one of A (Din, N) and Abar (Bt, L, Din, N) is given. kernel: the fused kernel
    /// takes float32 CPU tensors only; the reference takes float32 or float64, all of one type.</summary>
    public static SelectiveScanKernel.Dims Check(Tensor u, Tensor delta, Tensor? A, Tensor? Abar, Tensor B, Tensor C, Tensor D,
        Tensor? h0, bool kernel)
    {
        if (u.dim() != 3)
            throw new ArgumentException($"selective scan: u must be (Bt, L, Din), got {S(u)}", nameof(u));
        long bt = u.shape[0], l = u.shape[1], din = u.shape[2];
        long n;
        if (A is not null)
        {
            if (A.dim() != 2) throw new ArgumentException($"selective scan: A must be (Din, N) = [{din},N] to match u {S(u)}, got {S(A)}", nameof(A));
            n = A.shape[1];
        }
        else
        {
            if (Abar!.dim() != 4) throw new ArgumentException($"selective scan: Abar must be (Bt, L, Din, N) = [{bt},{l},{din},N] to match u {S(u)}, got {S(Abar)}", nameof(Abar));
            n = Abar.shape[3];
        }
        string from = A is not null ? $"u {S(u)} and A {S(A)}" : $"u {S(u)} and Abar {S(Abar!)}";
        var dtype = u.dtype;
        if (kernel ? dtype != ScalarType.Float32 : dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"selective scan: u must be float32{(kernel ? " (the fused kernel is float32-only)" : " or float64")}, got {dtype}", nameof(u));
        if (kernel && u.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"selective scan: the fused kernel runs on the CPU, u is on {u.device_type}", nameof(u));

        void Want(string name, Tensor t, string dims, params long[] shape)
        {
            if (!t.shape.SequenceEqual(shape))
                throw new ArgumentException($"selective scan: {name} must be [{string.Join(",", shape)}] {dims} to match " +
                    $"{(name is "A" or "Abar" ? $"u {S(u)}" : from)}, got {S(t)}", name);
            if (t.dtype != dtype)
                throw new ArgumentException($"selective scan: {name} must be {dtype} like u{(kernel ? " (the fused kernel is float32-only)" : "")}, got {t.dtype}", name);
            if (t.device_type != u.device_type)
                throw new ArgumentException($"selective scan: {name} is on {t.device_type}, u on {u.device_type}", name);
        }
        Want("delta", delta, "(Bt, L, Din)", bt, l, din);
        if (A is not null) Want("A", A, "(Din, N)", din, n);
        else Want("Abar", Abar!, "(Bt, L, Din, N)", bt, l, din, n);
        Want("B", B, "(Bt, L, N)", bt, l, n);
        Want("C", C, "(Bt, L, N)", bt, l, n);
        Want("D", D, "(Din)", din);
        if (h0 is not null) Want("h0", h0, "(Bt, Din, N)", bt, din, n);
        if (kernel && l * n > int.MaxValue)
            throw new ArgumentException($"selective scan: L * N = {l} * {n} exceeds the kernel's per-row buffers");
        return checked(new SelectiveScanKernel.Dims((int)bt, (int)l, (int)din, (int)n));
    }

    private static string S(Tensor t) => "[" + string.Join(",", t.shape) + "]";
}
