using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>
/// Chooses how to group pieces into digits: every run of up to <see cref="NumberReaderOptions.MaxPiecesPerDigit"/>
/// neighbouring pieces whose shape could be one digit is framed and classified (one model call for all), then dynamic
/// programming picks the grouping with the best total score (<see cref="NumberReaderOptions"/>).
/// </summary>
internal static class SegmentationSearch
{
    private const int Classes = 10;
    private const int Pixels = DigitPreprocessor.PixelCount;

    /// <summary>A group's height below this fraction of the line cannot be a digit on its own (a speck, a dash).</summary>
    public const float MinDigitHeight = 0.25f;

    /// <summary>No digit is wider than this many line heights.</summary>
    public const float MaxDigitWidth = 2f;

    private readonly record struct Candidate(int First, int Count, float Penalty, PreprocessResult Framed);

    public static NumberReading Read(PieceSet set, DigitBatchClassifier classify, NumberReaderOptions options) =>
        Search(set, classify, options).Reading;

    /// <summary>Reads the pieces, with the score of the chosen grouping: +∞ when the input is read whole without a
    /// search (a lone digit, or no grouping fits), so that no other grouping of the same ink replaces it.</summary>
    public static (NumberReading Reading, double Score) Search(PieceSet set, DigitBatchClassifier classify, NumberReaderOptions options)
    {
        IReadOnlyList<Piece> pieces = set.Pieces;
        int n = pieces.Count;
        float h = set.LineHeight;

        // Ink no wider than one digit is one digit (a broken stroke or a wide 0 is not a number).
        float left = float.PositiveInfinity, right = float.NegativeInfinity;
        foreach (Piece p in pieces) { left = Math.Min(left, p.X0); right = Math.Max(right, p.X1); }
        if (n == 0 || (right - left) / h <= options.LoneDigitWidth) return (ReadWhole(set, classify), double.PositiveInfinity);

        (List<Candidate> candidates, List<int>[] byEnd, float[] probabilities) = Classify(set, classify, options);

        float wholeBonus = WholeBonus(set, options);
        float ambiguity = set.HasCuts ? options.AmbiguityCost : 0f;

        // best[i]: the best score of pieces [0, i); from[i]: the candidate ending there (−1: piece i − 1 left out).
        var best = new double[n + 1];
        var from = new int[n + 1];
        best[0] = 0;
        for (int i = 1; i <= n; i++)
        {
            best[i] = double.NegativeInfinity;
            from[i] = -2;
            if (pieces[i - 1].IsSpeck && best[i - 1] > double.NegativeInfinity)
            {
                best[i] = best[i - 1] - options.SkipCost;
                from[i] = -1;
            }
            foreach (int c in byEnd[i])
            {
                Candidate cand = candidates[c];
                double prior = best[cand.First];
                if (double.IsNegativeInfinity(prior)) continue;
                double score = prior + Fit(probabilities.AsSpan(c * Classes, Classes), ambiguity, options.AmbiguityMargin)
                    - cand.Penalty - options.DigitCost + (cand.Count == n ? wholeBonus : 0f);
                if (score > best[i])
                {
                    best[i] = score;
                    from[i] = c;
                }
            }
        }

        // No grouping fits the shape rules (e.g. only specks): read the whole input as one digit, as predict does.
        if (double.IsNegativeInfinity(best[n])) return (ReadWhole(set, classify), double.PositiveInfinity);

        var chosen = new List<(PreprocessResult, float[])>();
        for (int i = n; i > 0;)
        {
            int c = from[i];
            if (c == -1) { i--; continue; }
            chosen.Add((candidates[c].Framed, probabilities.AsSpan(c * Classes, Classes).ToArray()));
            i = candidates[c].First;
        }
        chosen.Reverse();
        if (chosen.Count == 0) return (NumberReading.Empty(NoDigitReason.TooLittleInk, "Too little ink: only specks, no digit."), best[n]);
        return (Build(chosen), best[n]);
    }

    private static (List<Candidate> Candidates, List<int>[] ByEnd, float[] Probabilities) Classify(PieceSet set,
        DigitBatchClassifier classify, NumberReaderOptions options)
    {
        IReadOnlyList<Piece> pieces = set.Pieces;
        int n = pieces.Count;
        float h = set.LineHeight;
        // Candidates: runs [j, j + k) that could be one digit by their shape.
        var candidates = new List<Candidate>();
        var byEnd = new List<int>[n + 1];
        for (int i = 0; i <= n; i++) byEnd[i] = [];
        for (int j = 0; j < n; j++)
        {
            for (int k = 1; j + k <= n; k++)
            {
                // Images: everything as one digit is always a candidate, however many slices the cuts made of it.
                if (k > options.MaxPiecesPerDigit && !(set.HasCuts && j == 0 && k == n)) continue;
                if (!Shape(pieces, j, k, h, options, out float penalty)) continue;
                PreprocessResult framed = k == n ? set.FrameAll() : set.Frame(j, k);
                if (framed.IsEmpty) continue;
                byEnd[j + k].Add(candidates.Count);
                candidates.Add(new Candidate(j, k, penalty, framed));
            }
        }

        float[] probabilities = new float[Math.Max(1, candidates.Count) * Classes];
        if (candidates.Count > 0)
        {
            float[] x = new float[candidates.Count * Pixels];
            for (int c = 0; c < candidates.Count; c++) candidates[c].Framed.Pixels.CopyTo(x.AsSpan(c * Pixels, Pixels));
            classify(x, candidates.Count, probabilities);
        }
        return (candidates, byEnd, probabilities);
    }

    /// <summary>For tuning: the best score of any grouping, and the best score of a grouping that reads
    /// <paramref name="label"/> (−∞ when no grouping of the candidates reads it), with the number of pieces.</summary>
    internal static (double Best, double Label, int Pieces, bool Lone) Diagnose(PieceSet set, DigitBatchClassifier classify,
        NumberReaderOptions options, string label)
    {
        IReadOnlyList<Piece> pieces = set.Pieces;
        int n = pieces.Count;
        float left = float.PositiveInfinity, right = float.NegativeInfinity;
        foreach (Piece p in pieces) { left = Math.Min(left, p.X0); right = Math.Max(right, p.X1); }
        bool lone = n == 0 || (right - left) / set.LineHeight <= options.LoneDigitWidth;
        (List<Candidate> candidates, List<int>[] byEnd, float[] probabilities) = Classify(set, classify, options);
        float wholeBonus = WholeBonus(set, options);
        float ambiguity = set.HasCuts ? options.AmbiguityCost : 0f;
        int m = label.Length;
        var best = new double[n + 1];
        var withLabel = new double[(n + 1) * (m + 1)];
        Array.Fill(withLabel, double.NegativeInfinity);
        withLabel[0] = 0;
        for (int i = 1; i <= n; i++)
        {
            best[i] = double.NegativeInfinity;
            if (pieces[i - 1].IsSpeck)
            {
                best[i] = best[i - 1] - options.SkipCost;
                for (int d = 0; d <= m; d++) withLabel[i * (m + 1) + d] = withLabel[(i - 1) * (m + 1) + d] - options.SkipCost;
            }
            foreach (int c in byEnd[i])
            {
                Candidate cand = candidates[c];
                ReadOnlySpan<float> p = probabilities.AsSpan(c * Classes, Classes);
                double s = Fit(p, ambiguity, options.AmbiguityMargin) - cand.Penalty - options.DigitCost
                    + (cand.Count == n ? wholeBonus : 0f);
                best[i] = Math.Max(best[i], best[cand.First] + s);
                int digit = PredictionQuality.Assess(p).Digit;
                for (int d = 1; d <= m; d++)
                {
                    if (label[d - 1] - '0' != digit) continue;
                    double prior = withLabel[cand.First * (m + 1) + d - 1];
                    withLabel[i * (m + 1) + d] = Math.Max(withLabel[i * (m + 1) + d], prior + s);
                }
            }
        }
        return (best[n], withLabel[n * (m + 1) + m], n, lone);
    }

    private static NumberReading ReadWhole(PieceSet set, DigitBatchClassifier classify)
    {
        PreprocessResult all = set.FrameAll();
        if (all.IsEmpty) return NumberReading.Empty(all.Reason, all.EmptyReason);
        var p = new float[Classes];
        classify(all.Pixels, 1, p);
        return Build([(all, p)]);
    }

    /// <summary>Whether pieces [first, first + count) could be one digit, and the shape penalty if so.</summary>
    internal static bool Shape(IReadOnlyList<Piece> pieces, int first, int count, float h, NumberReaderOptions options, out float penalty)
    {
        penalty = 0f;
        float x0 = float.PositiveInfinity, x1 = float.NegativeInfinity, y0 = float.PositiveInfinity, y1 = float.NegativeInfinity;
        Span<Piece> sorted = stackalloc Piece[count];
        for (int k = 0; k < count; k++)
        {
            Piece p = pieces[first + k];
            x0 = Math.Min(x0, p.X0); x1 = Math.Max(x1, p.X1);
            y0 = Math.Min(y0, p.Y0); y1 = Math.Max(y1, p.Y1);
            sorted[k] = p;
        }
        float width = (x1 - x0) / h, height = (y1 - y0) / h;
        if (width > MaxDigitWidth || height < MinDigitHeight) return false;
        // Left to right: how each piece meets the ones before it. The parts of one digit cross or nest (a 7's bar, a
        // 4's second stroke); neighbouring digits stand apart or only graze each other. Slices of one connected
        // whole always join.
        sorted.Sort((a, b) => a.X0.CompareTo(b.X0));
        float reach = sorted[0].X1, gap = 0f, shortfall = 0f;
        for (int k = 1; k < count; k++)
        {
            Piece p = sorted[k];
            bool joined = false;
            for (int q = 0; q < k && !joined; q++) joined = sorted[q].Whole == p.Whole;
            float overlap = Math.Min(reach, p.X1) - p.X0;
            if (!joined)
            {
                if (overlap < 0f) gap = Math.Max(gap, -overlap);
                if (!p.IsSpeck)
                {
                    // Relative to the narrower of the piece and what lies left of it: a stroke nested inside counts as
                    // fully overlapping.
                    float narrower = Math.Max(Math.Min(p.X1 - p.X0, reach - x0), 1e-3f * h);
                    shortfall += 1f - Math.Clamp(overlap / narrower, 0f, 1f);
                }
            }
            reach = Math.Max(reach, p.X1);
        }
        gap /= h;
        if (gap > options.MaxGap) return false;
        // A digit that takes only a slice of a connected whole: the ink says one shape, so a cut must be earned.
        bool sliced = false;
        for (int q = 0; q < pieces.Count && !sliced; q++)
        {
            if (q >= first && q < first + count) continue;
            for (int k = 0; k < count && !sliced; k++) sliced = pieces[q].Whole == sorted[k].Whole;
        }
        penalty = (sliced ? options.CutCost : 0f) + options.GapPenalty * gap + options.OverlapPenalty * shortfall
            + options.ShortPenalty * Math.Max(0f, options.ShortDigit - height)
            + options.WidthPenalty * Math.Max(0f, width - options.WideDigit);
        return true;
    }

    /// <summary>Images: the bonus of reading everything as one digit when the ink is one connected whole (with specks)
    /// or no wider than <see cref="NumberReaderOptions.WholeWidth"/>; 0 for strokes.</summary>
    private static float WholeBonus(PieceSet set, NumberReaderOptions options)
    {
        if (!set.HasCuts) return 0f;
        IReadOnlyList<Piece> pieces = set.Pieces;
        float left = float.PositiveInfinity, right = float.NegativeInfinity;
        foreach (Piece p in pieces) { left = Math.Min(left, p.X0); right = Math.Max(right, p.X1); }
        bool narrow = (right - left) / set.LineHeight <= options.WholeWidth;
        return OneWhole(pieces) || narrow ? options.WholeBonus : 0f;
    }

    /// <summary>Whether every piece that is not a speck is a slice of one connected whole.</summary>
    private static bool OneWhole(IReadOnlyList<Piece> pieces)
    {
        int whole = -1;
        foreach (Piece p in pieces)
        {
            if (p.IsSpeck) continue;
            if (whole >= 0 && p.Whole != whole) return false;
            whole = p.Whole;
        }
        return true;
    }

    /// <summary>How well a candidate reads as a digit: ln(top probability), minus (images) <paramref name="ambiguity"/>
    /// per unit of ln(top / runner-up) below <paramref name="margin"/>.</summary>
    private static double Fit(ReadOnlySpan<float> p, float ambiguity, float margin)
    {
        float top = 0f, second = 0f;
        foreach (float v in p)
        {
            if (!float.IsFinite(v)) continue;
            if (v > top) { second = top; top = v; }
            else if (v > second) second = v;
        }
        double fit = Math.Log(Math.Max(top, 1e-6f));
        if (ambiguity > 0f)
            fit -= ambiguity * Math.Max(0.0, margin - (fit - Math.Log(Math.Max(second, 1e-6f))));
        return fit;
    }

    private static NumberReading Build(List<(PreprocessResult Framed, float[] Probabilities)> chosen)
    {
        var digits = new List<ReadDigit>(chosen.Count);
        var number = new System.Text.StringBuilder(chosen.Count);
        double confidence = 1;
        bool confident = true;
        foreach ((PreprocessResult framed, float[] p) in chosen)
        {
            PredictionAssessment a = PredictionQuality.Assess(Sanitize(p));
            digits.Add(new ReadDigit(a.Digit, a.Confidence, a.IsConfident, p, framed.InkBounds));
            number.Append((char)('0' + a.Digit));
            confidence *= a.Confidence;
            confident &= a.IsConfident;
        }
        return new NumberReading { Number = number.ToString(), Confidence = (float)confidence, IsConfident = confident, Digits = digits };
    }

    private static float[] Sanitize(float[] p)
    {
        for (int i = 0; i < p.Length; i++) if (!float.IsFinite(p[i]) || p[i] < 0f) p[i] = 0f;
        return p;
    }
}
