namespace EMamba.Cli;

public static class App
{
    public static int Run(string[] args) { Console.Error.WriteLine("emamba: not built yet"); return 1; }
}
