using Mnist.Cli.Cli;

return await MnistApp.RunAsync(args).ConfigureAwait(false);
