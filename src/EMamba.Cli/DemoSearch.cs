using System.Text;
using EMamba.Core;
using EMamba.Search.Runner;
using EMamba.Search.Storage;

namespace EMamba.Cli;

/// <summary>The demo's stage 5 (docs/search.md): the front of the stored MARS search study and its random-search
/// baselines (models/search/, made by the commands in its README), reported as <c>emamba search report</c> does,
/// from copies in the demo folder so the stored files are never written. A search itself takes hours, far past the
/// demo's budget.</summary>
internal static class DemoSearch
{
    public const string Stored = "models/search";
    public const string Study = "mars";

    public static string Run(string dir)
    {
        var sb = new StringBuilder("\n\n## The search (stage 5)\n\n");
        string src = Path.Combine(Stored, Study + ".db");
        if (!File.Exists(src)) return sb.Append($"Skipped: no stored study at `{src}` (run the demo from the repository's root).\n").ToString();
        string work = Path.Combine(dir, "search");
        Directory.CreateDirectory(work);
        // The baselines are the study's random-search runs; the other stored studies (other spaces, seeds or tasks) are not.
        var dbs = Directory.GetFiles(Stored, Study + "-random-*.db").OrderBy(f => f, StringComparer.Ordinal).ToList();
        var opened = new List<IStudyStorage>();
        try
        {
            Study Load(string db)
            {
                string name = Path.GetFileNameWithoutExtension(db), copy = Path.Combine(work, name + ".db");
                File.Copy(db, copy, overwrite: true);
                var st = StudyStorage.Open("sqlite:" + copy);
                opened.Add(st);
                return EMamba.Search.Runner.Study.Load(st, name, Path.Combine(work, name));
            }
            var main = Load(src);
            var baselines = dbs.Select(Load).ToList();
            string report = Path.Combine(work, "report");
            var res = StudyReport.Write(main, baselines, [], null, report, null, "emamba demo (stage 5: the stored study)");
            sb.Append($"The stored MARS study `{Stored}/{Study}.db` ({File.ReadAllText(Path.Combine(Stored, "README.md")).Split('\n').FirstOrDefault(l => l.StartsWith("Made by", StringComparison.Ordinal))?.Trim() ?? "see its README"}), " +
                      $"reported by `emamba search report` into `{Path.GetFileName(dir)}/search/report/report.md` beside {baselines.Count} random-search baseline(s): ");
            sb.Append($"{res.Front} trial(s) on the Pareto front{(res.Chosen is int c ? $", chosen trial {c}" : "")}.\n\n");
            // The front's table, as the study report writes it.
            var lines = res.Markdown.Split('\n');
            int at = Array.FindIndex(lines, l => l.StartsWith("## Pareto front", StringComparison.Ordinal));
            if (at >= 0) sb.AppendJoin('\n', lines.Skip(at + 2).TakeWhile(l => l.StartsWith('|'))).Append('\n');
            return sb.ToString();
        }
        // A stored study this version cannot read must not sink the demo's other stages.
        catch (EMambaException e) { return sb.Append($"Skipped: {e.Message}\n").ToString(); }
        finally { foreach (var o in opened) o.Dispose(); }
    }
}
