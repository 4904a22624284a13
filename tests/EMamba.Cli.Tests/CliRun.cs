namespace EMamba.Cli.Tests;

/// <summary>Runs the CLI in-process with stderr captured (tests that use it belong to the serial "cli" collection).</summary>
internal static class CliRun
{
    public static (int Code, string Err) WithStderr(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { return (App.Run(args), err.ToString()); }
        finally { Console.SetError(old); }
    }
}
