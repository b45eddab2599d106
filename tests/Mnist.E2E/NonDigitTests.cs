using Microsoft.Playwright;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Training;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>
/// Letters and shapes drawn on the pad (the held-out non-digit drawings): in both modes the page marks an unconfident
/// answer as a guess — <c>data-confident="false"</c> and the <c>guess</c> class — exactly when the shown probabilities
/// fail <see cref="PredictionQuality.Assess"/>, the rule the CLI, the server and the SDK apply.
/// </summary>
[Collection("app")]
public sealed class NonDigitTests(AppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task Unconfident_answers_are_shown_as_guesses_in_both_modes()
    {
        AppFixture.RequireChromium();
        // Two drawings of each held-out category, scaled to the pad like a finger would draw them.
        var drawings = NonDigitEvaluation.HeldOutDrawings(2);
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();
        foreach (string mode in new[] { "device", "server" })
        {
            await pad.SelectModeAsync(mode);
            int guesses = 0;
            foreach (var (category, strokes) in drawings)
            {
                var points = strokes.Select(s => s.Select(p => new[] { p.X, p.Y }).ToArray()).ToArray();
                int before = await pad.RequestedAsync();
                await pad.DrawFittedAsync(points, 0.8, 0.8);
                PageAnswer answer = await pad.WaitAnswerAsync(before + points.Length);
                var shown = await page.EvaluateAsync<string[]>(
                    "() => { const p = document.querySelector('[data-testid=prediction]'); return [p.dataset.confident, String(p.classList.contains('guess'))]; }");
                await pad.ClearAsync();
                if (answer.State != "done") continue; // preprocessing found no digit: also not read as one
                Assert.Equal(mode, answer.Mode);
                var assessed = PredictionQuality.Assess(answer.Probabilities!);
                Assert.Equal(assessed.IsConfident ? "true" : "false", shown[0]);
                Assert.Equal(assessed.IsConfident ? "false" : "true", shown[1]);
                if (!assessed.IsConfident) guesses++;
            }
            output.WriteLine($"{mode}: {guesses} of {drawings.Count} held-out non-digit drawings shown as guesses");
        }
    }
}
