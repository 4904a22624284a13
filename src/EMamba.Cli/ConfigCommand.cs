using System.CommandLine;
using EMamba.Core;

namespace EMamba.Cli;

/// <summary>`config list` and `config show NAME`: the built-in presets, as JSON a user can copy and edit.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the built-in presets with their task and architecture.");
        list.SetAction(_ => App.Guard(_ =>
        {
            foreach (var (name, c) in Presets.All.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                Console.WriteLine($"{name,-24} {c.Model.Task.Name(),-10} {c.Model.Arch.Name(),-12} {c.Train.Epochs,4} epochs");
            return ExitCodes.Ok;
        }));
        var name = new Argument<string>("name") { Description = "Preset name (see 'config list')." };
        var show = new Command("show", "Print a preset as a config file (JSON).");
        show.Arguments.Add(name);
        show.SetAction(r => App.Guard(_ =>
        {
            string n = r.GetValue(name)!;
            if (!Presets.All.TryGetValue(n, out var cfg))
                throw new EMambaException($"no preset '{n}'; 'emamba config list' shows them", ExitCodes.Usage);
            Console.WriteLine(cfg.ToJson());
            return ExitCodes.Ok;
        }));
        var cmd = new Command("config", "Built-in configurations (presets).");
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(show);
        return cmd;
    }
}
