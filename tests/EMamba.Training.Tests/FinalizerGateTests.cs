using System.Runtime.CompilerServices;
using static TorchSharp.torch;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>Runs after the parallel tests, alone: the gate holds the process's finalizer thread and
/// the storm test forces collections that would hit any other test's native calls.</summary>
[CollectionDefinition("finalizer gate", DisableParallelization = true)]
public sealed class FinalizerGateCollection;

[Collection("finalizer gate")]
public sealed class FinalizerGateTests
{
    private sealed class Probe
    {
        public static int Finalized;
        ~Probe() => Interlocked.Increment(ref Finalized);

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Drop() => _ = new Probe();
    }

    [Fact]
    public void Garbage_is_finalized_only_at_safe_points_while_the_gate_is_held()
    {
        int before = Volatile.Read(ref Probe.Finalized);
        using (FinalizerGate.Hold())
        {
            Probe.Drop();
            GC.Collect();
            Thread.Sleep(300);   // ungated, the finalizer thread runs it within microseconds
            Assert.Equal(before, Volatile.Read(ref Probe.Finalized));
            FinalizerGate.SafePoint();
            Assert.Equal(before + 1, Volatile.Read(ref Probe.Finalized));
        }
        Probe.Drop();
        GC.Collect();
        GC.WaitForPendingFinalizers();   // released: this would wait MaxHold if the gate were still shut
        Assert.Equal(before + 2, Volatile.Read(ref Probe.Finalized));
    }

    // Without the gate this dies within the 10 s (measured on this VM, 3 of 3 runs): a collection
    // on the storm thread finalizes a temporary Scalar (pow's 2, add's 1e-5, "+"'s alpha of 1) while
    // libtorch reads it, and libtorch asserts ("c10/core/Scalar.h") or reads freed memory. Tiny
    // tensors make the native calls mostly Scalar handling. The test process crashing is the failure.
    [Fact]
    public void Torch_ops_with_temporary_scalars_survive_a_collection_storm_under_the_gate()
    {
        using var x = randn(4, generator: new Generator(1));
        using var gate = FinalizerGate.Hold();
        bool stop = false;
        var storm = new Thread(() => { while (!Volatile.Read(ref stop)) GC.Collect(0); }) { IsBackground = true };
        storm.Start();
        long ops = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                FinalizerGate.SafePoint();
                using var scope = NewDisposeScope();
                for (int i = 0; i < 100; i++, ops++) _ = x.pow(2).add(1e-5) + x;
            }
        }
        finally { Volatile.Write(ref stop, true); storm.Join(); }
        Assert.True(ops >= 100, $"only {ops} iterations ran");   // safe points under the storm are slow; some work must run
    }
}
