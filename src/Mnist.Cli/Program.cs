using Mnist.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("mnist");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Measure speed.");
        bench.AddCommand<BenchEngineCommand>("engine").WithDescription("Training and inference speed of the managed engine (libtorch peer's fields).");
    });
    config.AddCommand<PredictCommand>("predict").WithDescription("Recognize digits in image files and .jsonl stroke files.");
});
return await app.RunAsync(args).ConfigureAwait(false);
