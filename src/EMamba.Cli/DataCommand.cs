using System.CommandLine;
using EMamba.Core;
using EMamba.Data;

namespace EMamba.Cli;

/// <summary>`data`: writes data sets this machine may lack. `data mars-synthetic` writes a
/// MARS-shaped folder (the real file names and formats, poses from a low-rank latent), for trying the
/// MARS flow end to end when the radar files are absent.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder to create (must not exist yet).", Required = true };
        var train = new Option<int>("--train") { Description = "Training frames.", DefaultValueFactory = _ => 6000 };
        var validate = new Option<int>("--validate") { Description = "Validation frames.", DefaultValueFactory = _ => 1500 };
        var test = new Option<int>("--test") { Description = "Test frames.", DefaultValueFactory = _ => 1500 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generator (same seed, same files on every machine).", DefaultValueFactory = _ => 1 };
        var mars = new Command("mars-synthetic", "Write synthetic MARS-shaped data (featuremap_/labels_{train,validate,test}.npy); its errors say nothing about real radar.");
        foreach (var o in new Option[] { outDir, train, validate, test, seed }) mars.Options.Add(o);
        mars.SetAction(r => App.Guard(_ =>
        {
            string dir = Path.GetFullPath(r.GetValue(outDir)!);
            int n1 = r.GetValue(train), n2 = r.GetValue(validate), n3 = r.GetValue(test);
            if (n1 < 1 || n2 < 1 || n3 < 1) throw new EMambaException("--train, --validate and --test must be at least 1", ExitCodes.Usage);
            if (Directory.Exists(dir) || File.Exists(dir)) throw new EMambaException($"{dir}: already exists; choose a new folder", ExitCodes.Usage);
            // Written beside the target and renamed, so an interrupted run leaves no half folder under the name.
            string tmp = dir + ".tmp-" + Environment.ProcessId;
            try
            {
                MarsSynthetic.WriteFolder(tmp, n1, n2, n3, r.GetValue(seed));
                Directory.Move(tmp, dir);
            }
            finally
            {
                if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            }
            Console.WriteLine($"wrote synthetic MARS data ({n1:N0} / {n2:N0} / {n3:N0} frames) to {dir}; train with --data {dir}");
            return ExitCodes.Ok;
        }));
        var cmd = new Command("data", "Write data sets: synthetic MARS-shaped files for trying the MARS flow without the radar data.");
        cmd.Subcommands.Add(mars);
        return cmd;
    }
}
