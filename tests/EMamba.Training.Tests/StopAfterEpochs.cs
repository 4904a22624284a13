using EMamba.Core;
namespace EMamba.Training.Tests;

/// <summary>Interrupts a run after a number of epochs, as a kill between epochs would: the epoch's
/// checkpoint is written, then the next epoch is cancelled.</summary>
public sealed class StopAfterEpochs(int epochs) : ITrainObserver
{
    private readonly CancellationTokenSource cts = new();
    public CancellationToken Token => cts.Token;

    /// <summary>Runs <paramref name="run"/> until the stop; the cancellation is the expected outcome.</summary>
    public static void Run(int epochs, Action<ITrainObserver, CancellationToken> run)
    {
        var stop = new StopAfterEpochs(epochs);
        Assert.Throws<OperationCanceledException>(() => run(stop, stop.Token));
    }

    public void Message(string text) { }
    public void EpochStarted(int epoch, int total, int batches) { }
    public void BatchDone(int batch, double loss) { }
    public void EpochDone(EpochRecord record, bool isBest) { if (record.Epoch >= epochs) cts.Cancel(); }
}
