using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("mnist");
    config.PropagateExceptions();
});
return await app.RunAsync(args).ConfigureAwait(false);
