using Mnist.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("mnist");
    config.AddCommand<DataCommand>("data").WithDescription("Fetch (mirrors + SHA-256) and verify a dataset.");
    config.AddCommand<ExportCommand>("export").WithDescription("Convert an ONNX model to ONNX (re-export with the model card) or TFLite.");
    config.AddCommand<TrainCommand>("train").WithDescription("Train a recipe: live progress or --json lines, checkpoints, --resume, model + metrics + report.");
    config.AddCommand<EvalCommand>("eval").WithDescription("Accuracy, per-class accuracy and confusion matrix of a model on the test set.");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Measure speed.");
        bench.AddCommand<BenchEngineCommand>("engine").WithDescription("Training and inference speed of the managed engine (libtorch peer's fields).");
    });
    config.AddCommand<ServeCommand>("serve").WithDescription("Run the HTTP server (Flask-compatible /mnist, /v1 API, web app) on a model.");
    config.AddCommand<PredictCommand>("predict").WithDescription("Recognize digits in image files and .jsonl stroke files.");
    config.AddCommand<ReadCommand>("read").WithDescription("Read whole numbers (several digits on one line) in image files and .jsonl stroke files.");
});
return await app.RunAsync(args).ConfigureAwait(false);
