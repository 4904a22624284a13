using System.CommandLine;
using System.Runtime.InteropServices;
using EMamba.Core;
using Spectre.Console;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Cli;

/// <summary>The <c>emamba</c> command: one verb per pipeline stage. Every failure a user can cause
/// ends in one clear line on stderr and a documented exit code (see <see cref="ExitCodes"/>).</summary>
public static class App
{
    /// <summary>The command line as the user typed it, for reports.</summary>
    public static string CommandLine { get; private set; } = "emamba";

    public static int Run(string[] args)
    {
        CommandLine = "emamba " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
        var root = new RootCommand("eMamba.NET: Mamba (selective state-space) models from data to edge hardware. This build covers the float stage: train, eval, approx, ablation, suite, generate, report, demo, bench.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ApproxCommand.Create());
        root.Subcommands.Add(AblationCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(GoldenCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(HwCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(SuiteCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) Console.Error.WriteLine($"emamba: {e.Message}");
            Console.Error.WriteLine("emamba: run 'emamba --help' for usage");
            return ExitCodes.Usage;
        }
        return parsed.Invoke();
    }

    /// <summary>Runs a command body, turning user errors into a message and an exit code.</summary>
    public static int Guard(Func<CancellationToken, int> body)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        // Finalizers run only at the training and evaluation loops' safe points (TorchSharp's
        // temporary Scalars are otherwise freed under running native calls).
        using var gate = FinalizerGate.Hold();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => FinalizerGate.LetGo());
        try { return body(cts.Token); }
        catch (OperationCanceledException) { Console.Error.WriteLine("emamba: cancelled (the last completed epoch's checkpoint is kept)"); return ExitCodes.Cancelled; }
        catch (EMambaException e) { Console.Error.WriteLine($"emamba: error: {e.Message}"); return e.ExitCode; }
        finally { Console.CancelKeyPress -= onCancel; }
    }

    public static void Info(string text) =>
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
}
