using System.CommandLine;
using EMamba.Core;
using EMamba.Reports;

namespace EMamba.Cli;

/// <summary>`report`: one Markdown report with plots over every finished run under a folder.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Option<string>("--runs") { Description = "Folder searched (recursively) for run folders with a log.json.", DefaultValueFactory = _ => "runs" };
        var output = new Option<string>("--out") { Description = "Report file (.md); the JSON and PNGs go beside it.", DefaultValueFactory = _ => Path.Combine("runs", "report.md") };
        var cmd = new Command("report", "Build one Markdown report (tables per task, accuracy vs parameters, perplexity vs length) from run logs.");
        cmd.Options.Add(runs); cmd.Options.Add(output);
        cmd.SetAction(r => App.Guard(_ =>
        {
            string root = r.GetValue(runs)!, outPath = r.GetValue(output)!;
            if (!outPath.EndsWith(".md", StringComparison.OrdinalIgnoreCase)) throw new EMambaException($"--out '{outPath}' must name a .md file", ExitCodes.Usage);
            var entries = CrossRunReport.Collect(root, skipped: App.Info);
            if (entries.Count == 0) throw new EMambaException($"{root}: no finished runs (log.json with a test figure) found", ExitCodes.BadInput);
            CrossRunReport.Build(root, outPath, entries, App.CommandLine);
            Console.WriteLine($"report of {entries.Count} runs: {outPath}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
