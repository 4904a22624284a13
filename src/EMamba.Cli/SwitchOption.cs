using System.CommandLine;
using EMamba.Core;

namespace EMamba.Cli;

/// <summary>Options that take a config switch (<c>--task wikitext2</c>, <c>--range-init one</c>): parsed
/// into the enum with the JSON spelling only (no other case, no numbers); a bad value is a usage error.</summary>
public static class SwitchOption
{
    /// <param name="error">the message for a value that is not one of the names, given that value</param>
    public static Option<T?> Optional<T>(string name, string description, Func<string, string> error) where T : struct, Enum =>
        new(name)
        {
            Description = description,
            CustomParser = r =>
            {
                string s = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (Switches.TryParse<T>(s, out var v)) return v;
                r.AddError(error(Shown.Value(s)));
                return null;
            },
        };

    public static Option<T> WithDefault<T>(string name, string description, T defaultValue, Func<string, string> error) where T : struct, Enum =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                string s = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (Switches.TryParse<T>(s, out var v)) return v;
                r.AddError(error(Shown.Value(s)));
                return defaultValue;
            },
        };
}
