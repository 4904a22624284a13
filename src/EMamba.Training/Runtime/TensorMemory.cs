using System.Runtime.InteropServices;
using static TorchSharp.torch;
using EMamba.Training.Scan;

namespace EMamba.Training.Runtime;

/// <summary>Bulk copies between float32 CPU tensors and managed arrays. TorchSharp's element accessor
/// costs about 20 ns an element; these use the tensor's data pointer and a memcpy.</summary>
internal static unsafe partial class TensorMemory
{
    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);

    /// <summary>The data pointer of a contiguous float32 CPU tensor (valid while the tensor lives).</summary>
    public static float* Ptr(Tensor t)
    {
        if (t.dtype != ScalarType.Float32 || t.device_type != TorchSharp.DeviceType.CPU || !t.is_contiguous())
            throw new ArgumentException($"expected a contiguous float32 CPU tensor, got {t.dtype} on {t.device_type}");
        return (float*)THSTensor_data(t.Handle);
    }

    public static float[] Read(Tensor t)
    {
        if (t.dtype != ScalarType.Float32 || t.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"expected a float32 CPU tensor, got {t.dtype} on {t.device_type}");
        using var c = t.detach().contiguous();
        var a = GC.AllocateUninitializedArray<float>(checked((int)c.numel()));
        if (a.Length == 0) return a;
        fixed (float* dst = a)
            Buffer.MemoryCopy((void*)THSTensor_data(c.Handle), dst, (long)a.Length * 4, (long)a.Length * 4);
        return a;
    }
}
