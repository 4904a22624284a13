using EMamba.Hardware;

namespace EMamba.Search.Runner;

/// <param name="Trials">sampled trials the study should have in all (retries of dead workers' trials come on top)</param>
/// <param name="Data">the data set location (null: the task's standard one)</param>
/// <param name="Threads">threads of the integer engine (the tensor threads are set by the caller)</param>
/// <param name="StaleAfter">a Running trial without a heartbeat for this long is failed as its worker's death and
/// retried; heartbeats go out every sixth of it</param>
/// <param name="Accelerator">the config the hardware objectives are measured on</param>
/// <param name="Worker">this worker's id in the storage (host:pid by default)</param>
public sealed record WorkerOptions(int Trials, string? Data, int Threads, TimeSpan StaleAfter, AcceleratorConfig Accelerator, string Worker)
{
    public TimeSpan HeartbeatEvery => StaleAfter / 6;
}
