using EMamba.Core;
using Microsoft.ML.OnnxRuntime;

namespace EMamba.Onnx;

/// <summary>An exported graph in ONNX Runtime's CPU provider, with the thread count fixed at creation
/// (intra-op threads; inter-op 1, sequential execution, all graph optimisations). Takes and returns flat
/// row-major float32 arrays of (batch, ...input dims) and (batch, outputs).</summary>
public sealed class OrtSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly string input, output;
    public long[] InputDims { get; }
    public int Outputs { get; }
    public string Path { get; }

    public OrtSession(string path, int threads, bool optimize = true)
    {
        Path = path;
        var o = new SessionOptions
        {
            IntraOpNumThreads = threads, InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
        };
        // One thread means this thread: no pool thread to hand work to and wait on.
        if (threads == 1) o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try { session = new InferenceSession(path, o); }
        catch (OnnxRuntimeException e) { throw new EMambaException($"{path}: ONNX Runtime cannot load the graph: {e.Message}", ExitCodes.BadInput, e); }
        finally { o.Dispose(); }
        input = session.InputMetadata.Keys.Single();
        output = session.OutputMetadata.Keys.Single();
        InputDims = [.. session.InputMetadata[input].Dimensions.Skip(1).Select(v => (long)v)];
        Outputs = session.OutputMetadata[output].Dimensions[^1];
    }

    public int InputSize => (int)InputDims.Aggregate(1L, (a, b) => a * b);

    /// <summary>Runs <paramref name="batch"/> samples; returns (batch, outputs).</summary>
    public float[] Run(float[] x, int batch)
    {
        var shape = new long[InputDims.Length + 1];
        shape[0] = batch; InputDims.CopyTo(shape, 1);
        using var v = OrtValue.CreateTensorValueFromMemory(x, shape);
        using var ro = new RunOptions();
        using var res = session.Run(ro, [input], [v], [output]);
        return res[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => session.Dispose();
}
