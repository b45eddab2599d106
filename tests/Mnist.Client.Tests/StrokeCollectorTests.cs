using Mnist.Engine.Preprocessing;

namespace Mnist.Client.Tests;

public sealed class StrokeCollectorTests
{
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Touches_become_strokes_and_the_shared_preprocessing_makes_the_model_input()
    {
        var c = new StrokeCollector(300, 300);
        int completed = 0;
        c.StrokeCompleted += (_, _) => completed++;
        c.Move(1, 1, Ms(0)); // no stroke open: ignored
        c.Begin(100, 50, Ms(0));
        c.Move(100, 50, Ms(8)); // repeated point: dropped
        c.Move(100, 150, Ms(16));
        c.End(100, 250, Ms(24));
        c.Begin(60, 80, Ms(100));
        c.End(140, 60, Ms(116));

        Assert.Equal(2, completed);
        Assert.Equal(2, c.StrokeCount);
        Assert.Equal([new TouchPoint(100, 50, Ms(0)), new TouchPoint(100, 150, Ms(16)), new TouchPoint(100, 250, Ms(24))], c.TimedStrokes[0]);
        StrokeDrawing drawing = c.ToDrawing();
        Assert.Equal(300, drawing.CanvasWidth);
        PreprocessResult expected = DigitPreprocessor.FromStrokes(
            [[new(100, 50), new(100, 150), new(100, 250)], [new(60, 80), new(140, 60)]], 300, 300);
        PreprocessResult actual = c.ToModelInput();
        Assert.False(actual.IsEmpty);
        Assert.Equal(expected.Pixels, actual.Pixels);
    }

    [Fact]
    public void Undo_clear_cancel_and_a_missed_touch_up()
    {
        var c = new StrokeCollector();
        c.Begin(0, 0, Ms(0));
        c.Move(10, 10, Ms(1));
        c.Begin(20, 20, Ms(2)); // the first stroke's touch up was missed: it is ended here
        c.Move(30, 30, Ms(3));
        Assert.True(c.IsDrawing);
        c.Cancel();
        Assert.False(c.IsDrawing);
        Assert.Equal(1, c.StrokeCount);
        Assert.True(c.Undo());
        Assert.False(c.Undo());
        c.Begin(0, 0, Ms(0));
        c.End();
        c.Clear();
        Assert.Equal(0, c.StrokeCount);
        Assert.Equal(NoDigitReason.NoInk, c.ToModelInput().Reason);
        Assert.Throws<ArgumentException>(() => c.Begin(float.NaN, 0, Ms(0)));
    }
}
