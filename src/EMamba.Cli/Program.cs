return EMamba.Cli.App.Run(args);
