using System.Diagnostics;
using System.Runtime.InteropServices;
using EMamba.Core;
using EMamba.Training.Modules;
using EMamba.Training.Optim;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training;

/// <summary>Times full training steps (forward, loss, backward, clipping, AdamW) of a vision model on
/// random inputs of the real shapes: the same work the PyTorch peer script does.</summary>
public static class TrainBench
{
    /// <summary>One contender; <paramref name="Blas"/> names the BLAS its matrix products ran on.</summary>
    public sealed record Result(string Name, double SamplesPerSecond, double StepMs, long Parameters, string Blas = "");

    private static string? _libTorchBlas;

    /// <summary>The BLAS of the libtorch TorchSharp loaded, as libtorch itself reports it: TorchSharp has no
    /// <c>torch.__config__.show()</c>, so this calls libtorch's <c>at::show_config()</c> (the C++ function behind
    /// it) and reads its BLAS_INFO and MKL version, e.g. "MKL 2024.2 (libtorch 2.10.0.0 bundled, statically linked; ...)".
    /// Falls back to <c>at::Context::hasMKL()</c>, then to "unknown", naming how it was determined.</summary>
    public static string LibTorchBlas() => _libTorchBlas ??= ProbeLibTorchBlas();

    private static unsafe string ProbeLibTorchBlas()
    {
        // libtorch is loaded once a tensor exists; find the very file the process mapped.
        using (var probe = ones(2, 2)) using (var mm = probe.matmul(probe)) { }
        string? path = null;
        try { path = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6)
                .Select(f => f[^1]).FirstOrDefault(f => f.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal)); }
        catch (IOException) { }
        string version = TorchSharp.torch.__version__;
        if (path is null || !NativeLibrary.TryLoad(path, out var lib)) return $"libtorch {version} bundled (BLAS unknown: libtorch_cpu.so not found in /proc/self/maps)";
        try
        {
            if (NativeLibrary.TryGetExport(lib, "_ZN2at11show_configB5cxx11Ev", out var showConfig))
            {
                // std::string at::show_config(): returned through a hidden pointer to a 32-byte std::string
                // (libstdc++ cxx11 layout: char* data, size_t length, 16-byte buffer/capacity).
                var ret = stackalloc byte[32];
                ((delegate* unmanaged<byte*, byte*>)showConfig)(ret);
                var text = Marshal.PtrToStringUTF8(*(IntPtr*)ret, (int)*(long*)(ret + 8));
                var info = System.Text.RegularExpressions.Regex.Match(text, @"BLAS_INFO=([^,\s]+)");
                var mkl = System.Text.RegularExpressions.Regex.Match(text, @"Math Kernel Library Version ([0-9.]+)");
                if (info.Success)
                    return info.Groups[1].Value == "mkl"
                        ? $"MKL{(mkl.Success ? " " + mkl.Groups[1].Value : "")} (libtorch {version} bundled, statically linked; BLAS_INFO=mkl from at::show_config())"
                        : $"{info.Groups[1].Value} (libtorch {version} bundled; BLAS_INFO={info.Groups[1].Value} from at::show_config())";
            }
            if (NativeLibrary.TryGetExport(lib, "_ZN2at7Context6hasMKLEv", out var hasMkl))
                return ((delegate* unmanaged<byte>)hasMkl)() != 0
                    ? $"MKL (libtorch {version} bundled, statically linked; from at::Context::hasMKL())"
                    : $"libtorch's own BLAS, no MKL (libtorch {version} bundled; at::Context::hasMKL() false)";
        }
        catch (Exception e) when (e is not OutOfMemoryException) { }
        return $"libtorch {version} bundled (BLAS unknown: neither at::show_config nor at::Context::hasMKL found)";
    }

    public static Result Run(ModelConfig cfg, int batchSize, int steps, int warmup, bool naiveScan, int seed = 1)
    {
        manual_seed(seed);
        var model = new MambaModel(cfg, naiveScan: naiveScan);
        var opt = new AdamW(model.named_parameters().Select(np => (np.name, np.parameter)), (_, p) => p.dim() >= 2, 0.05);
        model.train();
        using var x = randn(batchSize, cfg.InChannels, cfg.Height, cfg.Width);   // (B, C, H, W)
        using var y = randint(0, cfg.NumOutputs, [batchSize]);                    // (B)
        void Step()
        {
            FinalizerGate.SafePoint();
            using var scope = NewDisposeScope();
            var loss = F.cross_entropy(model.forward(x), y);
            opt.ZeroGrad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            opt.StepWith(1e-3);
        }
        for (int i = 0; i < warmup; i++) Step();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        double sec = sw.Elapsed.TotalSeconds;
        return new Result(naiveScan ? $"eMamba.NET, naive scan (TorchSharp ops, {steps} steps)" : "eMamba.NET, fused scan",
            batchSize * steps / sec, 1000 * sec / steps, model.ParameterCount(), LibTorchBlas());
    }
}
