using System.Runtime.CompilerServices;
using EMamba.Training.Scan;

namespace EMamba.Training.Runtime;

/// <summary>Lets finalizers run only at safe points, between native torch calls.
/// <list type="bullet">
/// <item>Why: TorchSharp 0.107 turns numbers into native Scalars (<c>x.pow(2)</c>, <c>a + b</c>'s
/// alpha of 1, softplus's beta) and passes only their handles to native code. Nothing keeps the
/// managed Scalar alive during the call, so a garbage collection on any thread can finalize it and
/// free the native object while libtorch reads it. Long training runs died of this ("INTERNAL ASSERT
/// FAILED at c10/core/Scalar.h"); most of the temporaries are made inside TorchSharp, out of reach.</item>
/// <item>How: a planted object whose finalizer waits holds .NET's single finalizer thread. Objects
/// that become garbage are then queued but not finalized until <see cref="SafePoint"/> releases the
/// thread, waits for the queue to drain and plants a new one.</item>
/// <item>Only while someone holds the gate (<see cref="Hold"/>); with several holders at once (tests
/// in parallel) safe points do nothing, since another thread may be inside a native call. A held
/// finalizer thread lets itself go after <see cref="MaxHold"/>, so a stretch without safe points (or
/// code that waits for pending finalizers: TorchSharp's factories do when an allocation fails)
/// costs a pause, never a hang.</item>
/// <item>The runtime's shutdown needs the finalizer thread: <see cref="LetGo"/> (on SIGTERM) frees it
/// for good.</item>
/// </list>
/// Assumes torch runs on the thread that calls <see cref="SafePoint"/>: the kernels' worker threads
/// touch raw memory only.</summary>
public static class FinalizerGate
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(30);
    private static readonly object Sync = new();
    private static int holders;
    private static volatile ManualResetEventSlim? release;
    // A release and re-arm costs about 2 ms (a gen-0 collection and two thread hand-overs); fast
    // loops skip safe points closer together than this.
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(50);
    private static readonly System.Diagnostics.Stopwatch SinceArm = new();
    // After a failed arm (finalizer thread busy elsewhere) safe points wait this long before trying
    // again, instead of spending the arm's timeouts on every step.
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);
    private static readonly System.Diagnostics.Stopwatch SinceFailure = new();
    private static volatile bool exiting;

    /// <summary>Holds finalizers until the returned object is disposed (safe points drain them).</summary>
    public static IDisposable Hold()
    {
        lock (Sync) { if (holders++ == 0) Arm(); }
        return new Holder();
    }

    /// <summary>Call where the calling thread is between native torch calls (a training step, an
    /// evaluation batch): runs the finalizers queued so far, then holds the thread again.</summary>
    public static void SafePoint()
    {
        lock (Sync)
        {
            if (holders != 1 || exiting) return;
            if (release is not null ? SinceArm.Elapsed < MinInterval : SinceFailure.IsRunning && SinceFailure.Elapsed < RetryAfterFailure) return;
            Open();
            // The queue is not first-in first-out: wait for it to empty before planting the next
            // blocker, or the blocker could be taken ahead of older garbage and starve it.
            GC.WaitForPendingFinalizers();
            Arm();
        }
    }

    /// <summary>Frees the finalizer thread for good (the process is shutting down); safe to call from a
    /// signal handler while another thread holds the gate's lock.</summary>
    public static void LetGo()
    {
        exiting = true;
        release?.Set();
    }

    private static void Leave()
    {
        lock (Sync) { if (--holders == 0) Open(); }
    }

    private static void Open()
    {
        release?.Set();
        release = null;
    }

    // Plants a blocker and collects gen 0 so it is queued; returns once the finalizer thread is
    // inside it (after finalizing whatever was queued before it).
    private static void Arm()
    {
        if (exiting) return;
        var entered = new ManualResetEventSlim();
        var hold = new ManualResetEventSlim();
        Plant(entered, hold);
        // A collection on another thread while the blocker is still being made promotes it past
        // gen 0; look one generation deeper each time it does not show up.
        bool found = false;
        for (int gen = 0; gen <= GC.MaxGeneration && !found; gen++)
        {
            GC.Collect(gen, GCCollectionMode.Forced, blocking: true);
            found = entered.Wait(gen < GC.MaxGeneration ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(10));
        }
        if (!found) { hold.Set(); SinceFailure.Restart(); return; }
        release = hold;
        SinceArm.Restart();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Plant(ManualResetEventSlim entered, ManualResetEventSlim hold) => _ = new Blocker(entered, hold);

    private sealed class Blocker(ManualResetEventSlim entered, ManualResetEventSlim hold)
    {
        ~Blocker()
        {
            entered.Set();
            // Short waits so a shutdown that starts before this blocker is published still gets through.
            var held = System.Diagnostics.Stopwatch.StartNew();
            while (!exiting && held.Elapsed < MaxHold && !hold.Wait(TimeSpan.FromMilliseconds(200))) { }
        }
    }

    private sealed class Holder : IDisposable
    {
        private int disposed;
        public void Dispose() { if (Interlocked.Exchange(ref disposed, 1) == 0) Leave(); }
    }
}
