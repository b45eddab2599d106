// Recognizes digits on this machine with the shipped model, in device mode (no server):
//   an image through Mnist.Inference's DigitPipeline with Mnist.Imaging's decoding (MNIST-style preprocessing, ONNX Runtime), and
//   pen strokes from a .jsonl file (one drawing per line: {"strokes":[[[x,y],...],...]}) through Mnist.Client's
//   OnDeviceDigitRecognizer, the same recognizer a MAUI or desktop app uses offline.
// Usage: Mnist.Sample.Device MODEL.onnx IMAGE STROKES.jsonl
using System.Text.Json;
using Mnist.Client;
using Mnist.Imaging;
using Mnist.Inference;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Mnist.Sample.Device MODEL.onnx IMAGE STROKES.jsonl");
    return 2;
}
string model = args[0], image = args[1], strokesFile = args[2];

using (var pipeline = new DigitPipeline(OnnxDigitClassifier.Load(model)))
{
    Recognition r = pipeline.Recognize(File.ReadAllBytes(image));
    Console.WriteLine(r.IsEmpty
        ? $"{Path.GetFileName(image)}: no digit ({r.NoDigitMessage})"
        : $"{Path.GetFileName(image)}: {r.Digit} ({r.Confidence:P1})");
}

using var device = new OnDeviceDigitRecognizer(model);
int line = 0;
foreach (string json in File.ReadLines(strokesFile))
{
    line++;
    if (string.IsNullOrWhiteSpace(json)) continue;
    using JsonDocument doc = JsonDocument.Parse(json);
    var strokes = doc.RootElement.GetProperty("strokes").EnumerateArray()
        .Select(stroke => stroke.EnumerateArray().Select(p => new[] { p[0].GetSingle(), p[1].GetSingle() }).ToList())
        .ToList();
    DigitResult d = device.Recognize(StrokeDrawing.FromArrays(strokes));
    string label = doc.RootElement.TryGetProperty("label", out JsonElement l) ? $", labelled {l.GetInt32()}" : "";
    Console.WriteLine(d.IsEmpty
        ? $"{Path.GetFileName(strokesFile)}:{line}: no digit ({d.Message}){label}"
        : $"{Path.GetFileName(strokesFile)}:{line}: {d.Digit} ({d.Confidence:P1}, {d.Mode} mode, {d.ElapsedMilliseconds:F1} ms){label}");
}
return 0;
