namespace EMamba.Core;

/// <summary>What a trainer reports while it runs; the CLI draws progress bars from it.</summary>
public interface ITrainObserver
{
    void Message(string text);
    void EpochStarted(int epoch, int epochs, int batches);
    void BatchDone(int batch, double loss);
    void EpochDone(EpochRecord record, bool isBest);
}

public sealed class SilentObserver : ITrainObserver
{
    public static readonly SilentObserver Instance = new();
    public void Message(string text) { }
    public void EpochStarted(int epoch, int epochs, int batches) { }
    public void BatchDone(int batch, double loss) { }
    public void EpochDone(EpochRecord record, bool isBest) { }
}
