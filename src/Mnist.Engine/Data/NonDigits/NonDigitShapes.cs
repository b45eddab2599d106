using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.NonDigits;

/// <summary>
/// Pen drawings that are not digits — letters, shapes and scribbles — generated in stroke space, so that a network can
/// be taught to answer "none of the ten" (a flat output) and so that its rejection can be measured on shapes it never
/// saw. Two disjoint families: <see cref="Training"/> for training, <see cref="HeldOut"/> only for measurement.
/// </summary>
/// <remarks>
/// <para>Each category draws its strokes in a unit box (x right, y down) with its own random proportions, corner
/// positions and wobble, then the whole drawing gets a random rotation, aspect and slant. Writers' variation on top of
/// that (jitter, resampling, pen width, dropped tails) comes from <see cref="Augmentation.StrokeAugmenter"/>.</para>
/// <para>Categories that a digit can be written as are left out of training on purpose: O (0), I and l (1), S (5),
/// Z (2), B (8), D (0), G (6), P and q (9), J, T (7), and also X and the asterisk, which are rotated held-out plus
/// signs. The held-out family is the list a user tries first on a digit pad: A, E, H, M, W, a five-pointed star, a
/// heart, a smiley, #, + and a triangle.</para>
/// </remarks>
public static class NonDigitShapes
{
    private delegate List<List<(float X, float Y)>> Generator(ref StreamRandom rng);

    private static readonly (string Name, Generator Draw)[] TrainingGenerators =
    [
        ("C", C), ("F", F), ("K", K), ("N", N), ("R", R), ("U", U), ("V", V), ("Y", Y),
        ("square", Square), ("pentagon", Pentagon), ("spiral", Spiral), ("zigzag", Zigzag), ("wave", Wave),
        ("arrow", Arrow), ("check", Check), ("lightning", Lightning), ("crescent", Crescent), ("cloud", Cloud),
        ("scribble", Scribble), ("hatching", Hatching), ("envelope", Envelope), ("sun", Sun), ("stick-figure", StickFigure),
        ("flower", Flower),
    ];

    // Candidates for widening the training family, trained on only when asked for (--non-digit-categories): whether they
    // help is measured on training categories left out of training, never on the held-out family.
    private static readonly (string Name, Generator Draw)[] AdditionalGenerators =
    [
        ("L", L), ("small-n", SmallN), ("pi", Pi), ("equals", EqualsSign), ("chevron", Chevron), ("infinity", Infinity),
        ("fish", Fish), ("eye", Eye), ("small-a", SmallA), ("small-e", SmallE), ("small-f", SmallF), ("small-h", SmallH),
        ("small-r", SmallR), ("lambda", Lambda), ("mu", Mu), ("omega", Omega), ("psi", Psi), ("question", Question),
        ("percent", Percent), ("at", At), ("pound", Pound), ("euro", Euro), ("root", Root), ("note", Note),
        ("diamond", Diamond), ("umbrella", Umbrella), ("cup", Cup), ("key", DoorKey),
    ];

    private static readonly (string Name, Generator Draw)[] HeldOutGenerators =
    [
        ("A", A), ("E", E), ("H", H), ("M", M), ("W", W), ("star", Star), ("heart", Heart), ("smiley", Smiley),
        ("hash", Hash), ("plus", Plus), ("triangle", Triangle),
    ];

    /// <summary>Categories used for training.</summary>
    public static IReadOnlyList<string> Training { get; } = TrainingGenerators.Select(g => g.Name).ToArray();

    /// <summary>Categories that may be trained on besides <see cref="Training"/> when a run names them.</summary>
    public static IReadOnlyList<string> Additional { get; } = AdditionalGenerators.Select(g => g.Name).ToArray();

    /// <summary>Every category a run may train on: <see cref="Training"/> then <see cref="Additional"/>.</summary>
    public static IReadOnlyList<string> Trainable { get; } = [.. Training, .. Additional];

    /// <summary>Categories kept out of training, for measuring rejection.</summary>
    public static IReadOnlyList<string> HeldOut { get; } = HeldOutGenerators.Select(g => g.Name).ToArray();

    // Every category by name: its generator and its key (its place in the held-out family, or 1000 + its place among the
    // trainable categories), so that whether a name is known is decided here only.
    private static readonly Dictionary<string, (Generator Draw, int Key)> ByName =
        HeldOutGenerators.Select((g, i) => (g.Name, g.Draw, Key: i))
            .Concat(TrainingGenerators.Concat(AdditionalGenerators).Select((g, i) => (g.Name, g.Draw, Key: 1000 + i)))
            .ToDictionary(g => g.Name, g => (g.Draw, g.Key));

    /// <summary>True when <paramref name="category"/> names a category of either family.</summary>
    public static bool IsKnown(string category) => category is not null && ByName.ContainsKey(category);

    /// <summary>
    /// A number fixed for <paramref name="category"/>: its place in <see cref="HeldOut"/>, or 1000 + its place in
    /// <see cref="Trainable"/>. Measurement streams are keyed by it, so a category is drawn the same whatever list names it.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown category.</exception>
    public static int Key(string category) => Lookup(category).Key;

    private static (Generator Draw, int Key) Lookup(string category) =>
        category is not null && ByName.TryGetValue(category, out var entry) ? entry
            : throw new ArgumentException($"Unknown non-digit category '{category}'.", nameof(category));

    /// <summary>
    /// One drawing of <paramref name="category"/> in a 0–500 writing box (the pendigits tablet's scale), drawn from
    /// <paramref name="rng"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown category.</exception>
    public static StrokePoint[][] Draw(string category, ref StreamRandom rng)
    {
        var strokes = Lookup(category).Draw(ref rng);
        // The whole drawing: rotation ±15°, aspect 0.75–1.33, slant ±0.25, then into the box with a margin.
        float angle = rng.Uniform(-15f, 15f) * MathF.PI / 180f, aspect = MathF.Exp(rng.Uniform(-0.29f, 0.29f)), slant = rng.Uniform(-0.25f, 0.25f);
        float cos = MathF.Cos(angle), sin = MathF.Sin(angle);
        var result = new StrokePoint[strokes.Count][];
        for (int s = 0; s < strokes.Count; s++)
        {
            var dense = Densify(strokes[s]);
            result[s] = new StrokePoint[dense.Count];
            for (int i = 0; i < dense.Count; i++)
            {
                float x = (dense[i].X - 0.5f) * aspect, y = (dense[i].Y - 0.5f) / aspect;
                x += slant * -y;
                float rx = x * cos - y * sin, ry = x * sin + y * cos;
                result[s][i] = new StrokePoint(250f + 300f * rx, 250f + 300f * ry);
            }
        }
        return result;
    }

    // Pendigits points are ~10–20 tablet pixels apart; polylines from the templates are split to a similar spacing so
    // that the stroke augmentation's resampling and jitter act on them as on real pen input.
    private static List<(float X, float Y)> Densify(List<(float X, float Y)> stroke)
    {
        const float Step = 0.04f;
        var dense = new List<(float X, float Y)> { stroke[0] };
        for (int i = 1; i < stroke.Count; i++)
        {
            var (ax, ay) = stroke[i - 1];
            var (bx, by) = stroke[i];
            int parts = Math.Max(1, (int)MathF.Ceiling(MathF.Sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay)) / Step));
            for (int k = 1; k <= parts; k++) dense.Add((ax + (bx - ax) * k / parts, ay + (by - ay) * k / parts));
        }
        return dense;
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static (float X, float Y) P(ref StreamRandom rng, float x, float y, float wobble = 0.05f) =>
        (x + rng.Uniform(-wobble, wobble), y + rng.Uniform(-wobble, wobble));

    private static List<(float X, float Y)> Line(ref StreamRandom rng, float x0, float y0, float x1, float y1, float wobble = 0.05f) =>
        [P(ref rng, x0, y0, wobble), P(ref rng, x1, y1, wobble)];

    private static List<(float X, float Y)> Poly(ref StreamRandom rng, float wobble, params (float X, float Y)[] points)
    {
        var list = new List<(float X, float Y)>(points.Length);
        foreach (var (x, y) in points) list.Add(P(ref rng, x, y, wobble));
        return list;
    }

    /// <summary>An elliptic arc from angle a0 to a1 (radians, y down), with a slowly varying radius.</summary>
    private static List<(float X, float Y)> Arc(ref StreamRandom rng, float cx, float cy, float rx, float ry, float a0, float a1, int points = 24)
    {
        float wobble = rng.Uniform(0f, 0.08f), phase = rng.Uniform(0f, 6.3f);
        var list = new List<(float X, float Y)>(points + 1);
        for (int i = 0; i <= points; i++)
        {
            float a = a0 + (a1 - a0) * i / points, k = 1 + wobble * MathF.Sin(2 * a + phase);
            list.Add((cx + rx * k * MathF.Cos(a), cy + ry * k * MathF.Sin(a)));
        }
        return list;
    }

    private static List<List<(float X, float Y)>> Strokes(params List<(float X, float Y)>[] strokes) => [.. strokes];

    // ---- training letters ------------------------------------------------------------------------------------------

    private static List<List<(float X, float Y)>> C(ref StreamRandom rng)
    {
        float open = rng.Uniform(0.5f, 0.9f);
        return Strokes(Arc(ref rng, 0.55f, 0.5f, rng.Uniform(0.35f, 0.45f), 0.45f, -open, -2 * MathF.PI + open));
    }

    private static List<List<(float X, float Y)>> F(ref StreamRandom rng)
    {
        float mid = rng.Uniform(0.4f, 0.55f);
        return Strokes(Poly(ref rng, 0.04f, (0.85f, 0.05f), (0.2f, 0.05f), (0.2f, 0.95f)), Line(ref rng, 0.2f, mid, rng.Uniform(0.55f, 0.75f), mid));
    }

    private static List<List<(float X, float Y)>> K(ref StreamRandom rng)
    {
        float joint = rng.Uniform(0.4f, 0.6f);
        return rng.NextSingle() < 0.5f
            ? Strokes(Line(ref rng, 0.2f, 0.05f, 0.2f, 0.95f), Poly(ref rng, 0.04f, (0.8f, 0.05f), (0.22f, joint), (0.85f, 0.95f)))
            : Strokes(Line(ref rng, 0.2f, 0.05f, 0.2f, 0.95f), Line(ref rng, 0.8f, 0.05f, 0.22f, joint), Line(ref rng, 0.4f, joint - 0.08f, 0.85f, 0.95f));
    }

    private static List<List<(float X, float Y)>> N(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.05f, (0.15f, 0.95f), (0.15f, 0.05f), (0.85f, 0.95f), (0.85f, 0.05f)));

    private static List<List<(float X, float Y)>> R(ref StreamRandom rng)
    {
        float mid = rng.Uniform(0.45f, 0.55f);
        var bowl = new List<(float X, float Y)> { (0.2f, 0.95f), (0.2f, 0.05f) };
        bowl.AddRange(Arc(ref rng, 0.45f, (0.05f + mid) / 2, 0.3f, (mid - 0.05f) / 2, -MathF.PI / 2, MathF.PI / 2, 12));
        bowl.Add((0.2f, mid));
        bowl.Add(P(ref rng, 0.85f, 0.95f));
        return Strokes(bowl);
    }

    private static List<List<(float X, float Y)>> U(ref StreamRandom rng)
    {
        var u = new List<(float X, float Y)> { P(ref rng, 0.15f, 0.05f) };
        u.AddRange(Arc(ref rng, 0.5f, 0.6f, 0.35f, 0.35f, MathF.PI, 0, 16));
        u.Add(P(ref rng, 0.85f, 0.05f));
        if (rng.NextSingle() < 0.4f) u.Add(P(ref rng, 0.9f, 0.95f)); // the handwritten u's tail
        return Strokes(u);
    }

    private static List<List<(float X, float Y)>> V(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.05f, (0.1f, 0.05f), (0.5f, 0.95f), (0.9f, 0.05f)));

    private static List<List<(float X, float Y)>> Y(ref StreamRandom rng)
    {
        float fork = rng.Uniform(0.35f, 0.55f);
        return Strokes(Poly(ref rng, 0.04f, (0.1f, 0.05f), (0.5f, fork), (0.9f, 0.05f)), Line(ref rng, 0.5f, fork, 0.5f, 0.95f));
    }

    // ---- training shapes -------------------------------------------------------------------------------------------

    private static List<List<(float X, float Y)>> Square(ref StreamRandom rng)
    {
        float h = rng.Uniform(0.5f, 0.9f), top = (1 - h) / 2;
        return Strokes(Poly(ref rng, 0.04f, (0.1f, top), (0.9f, top), (0.9f, top + h), (0.1f, top + h), (0.1f, top)));
    }

    private static List<List<(float X, float Y)>> Pentagon(ref StreamRandom rng)
    {
        int sides = rng.NextSingle() < 0.5f ? 5 : 6;
        float start = rng.Uniform(0f, 6.3f);
        var poly = new List<(float X, float Y)>();
        for (int i = 0; i <= sides; i++)
        {
            float a = start + 2 * MathF.PI * i / sides;
            poly.Add(P(ref rng, 0.5f + 0.45f * MathF.Cos(a), 0.5f + 0.45f * MathF.Sin(a), 0.03f));
        }
        poly[^1] = poly[0];
        return Strokes(poly);
    }

    private static List<List<(float X, float Y)>> Spiral(ref StreamRandom rng)
    {
        float turns = rng.Uniform(1.7f, 3.2f), dir = rng.NextSingle() < 0.5f ? 1 : -1, start = rng.Uniform(0f, 6.3f);
        var s = new List<(float X, float Y)>();
        int n = (int)(turns * 20);
        for (int i = 0; i <= n; i++)
        {
            float t = (float)i / n, a = start + dir * t * turns * 2 * MathF.PI, r = 0.05f + 0.42f * t;
            s.Add((0.5f + r * MathF.Cos(a), 0.5f + r * MathF.Sin(a)));
        }
        return Strokes(s);
    }

    private static List<List<(float X, float Y)>> Zigzag(ref StreamRandom rng)
    {
        // At least five teeth: three or four would be a W or M, which are held out.
        int teeth = 5 + rng.NextInt(4);
        float amp = rng.Uniform(0.12f, 0.3f);
        var z = new List<(float X, float Y)>();
        for (int i = 0; i <= teeth * 2; i++) z.Add(P(ref rng, 0.05f + 0.9f * i / (teeth * 2), 0.5f + (i % 2 == 0 ? -amp : amp), 0.03f));
        return Strokes(z);
    }

    private static List<List<(float X, float Y)>> Wave(ref StreamRandom rng)
    {
        // Long and flat, so that no wave passes for a held-out M or W.
        float cycles = rng.Uniform(2.5f, 4f), amp = rng.Uniform(0.06f, 0.15f), phase = rng.Uniform(0f, 6.3f);
        var w = new List<(float X, float Y)>();
        for (int i = 0; i <= 40; i++) w.Add((0.05f + 0.9f * i / 40, 0.5f + amp * MathF.Sin(phase + cycles * 2 * MathF.PI * i / 40)));
        var strokes = Strokes(w);
        if (rng.NextSingle() < 0.4f) // a second wave below: water
        {
            var w2 = new List<(float X, float Y)>();
            foreach (var (x, y) in w) w2.Add((x, y + 0.35f));
            strokes.Add(w2);
        }
        return strokes;
    }

    private static List<List<(float X, float Y)>> Arrow(ref StreamRandom rng)
    {
        float head = rng.Uniform(0.2f, 0.35f);
        return rng.NextSingle() < 0.5f
            ? Strokes(Line(ref rng, 0.05f, 0.5f, 0.95f, 0.5f), Poly(ref rng, 0.03f, (0.95f - head, 0.5f - head), (0.95f, 0.5f), (0.95f - head, 0.5f + head)))
            : Strokes(Poly(ref rng, 0.03f, (0.05f, 0.5f), (0.95f, 0.5f), (0.95f - head, 0.5f - head)), Line(ref rng, 0.95f, 0.5f, 0.95f - head, 0.5f + head));
    }

    private static List<List<(float X, float Y)>> Check(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.05f, (0.1f, rng.Uniform(0.45f, 0.65f)), (0.35f, 0.9f), (0.9f, 0.1f)));

    private static List<List<(float X, float Y)>> Lightning(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.04f, (0.65f, 0.05f), (0.3f, 0.5f), (0.7f, 0.48f), (0.35f, 0.95f)));

    private static List<List<(float X, float Y)>> Crescent(ref StreamRandom rng)
    {
        float a = rng.Uniform(0.4f, 0.9f);
        var outer = Arc(ref rng, 0.5f, 0.5f, 0.45f, 0.45f, -MathF.PI / 2 - a, MathF.PI / 2 + a, 20);
        var inner = Arc(ref rng, 0.3f, 0.5f, 0.3f, 0.38f, MathF.PI / 2 + a / 2, -MathF.PI / 2 - a / 2, 14);
        outer.AddRange(inner);
        return Strokes(outer);
    }

    private static List<List<(float X, float Y)>> Cloud(ref StreamRandom rng)
    {
        int bumps = 5 + rng.NextInt(4);
        var c = new List<(float X, float Y)>();
        for (int i = 0; i <= bumps * 8; i++)
        {
            float a = 2 * MathF.PI * i / (bumps * 8), bump = MathF.Abs(MathF.Sin(bumps * a / 2));
            c.Add((0.5f + (0.32f + 0.12f * bump) * MathF.Cos(a), 0.5f + (0.22f + 0.1f * bump) * MathF.Sin(a)));
        }
        return Strokes(c);
    }

    private static List<List<(float X, float Y)>> Scribble(ref StreamRandom rng)
    {
        // Many turns: a scribble of a few strokes can be a digit (a 1, a 7, a 2), and a digit must never be taught as "none".
        int turns = 14 + rng.NextInt(14);
        float x = rng.Uniform(0.2f, 0.8f), y = rng.Uniform(0.2f, 0.8f), heading = rng.Uniform(0f, 6.3f);
        var s = new List<(float X, float Y)> { (x, y) };
        for (int i = 0; i < turns; i++)
        {
            heading += rng.Uniform(-2.5f, 2.5f);
            float step = rng.Uniform(0.15f, 0.45f);
            x = Math.Clamp(x + step * MathF.Cos(heading), 0f, 1f);
            y = Math.Clamp(y + step * MathF.Sin(heading), 0f, 1f);
            s.Add((x, y));
        }
        return Strokes(s);
    }

    private static List<List<(float X, float Y)>> Hatching(ref StreamRandom rng)
    {
        int lines = 3 + rng.NextInt(4);
        float dx = rng.Uniform(-0.4f, 0.4f);
        var strokes = new List<List<(float X, float Y)>>();
        for (int i = 0; i < lines; i++)
        {
            float x = 0.1f + 0.8f * i / (lines - 1) - dx / 2;
            strokes.Add(Line(ref rng, x, 0.1f, x + dx, 0.9f, 0.03f));
        }
        return strokes;
    }

    private static List<List<(float X, float Y)>> Envelope(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.03f, (0.05f, 0.2f), (0.95f, 0.2f), (0.95f, 0.8f), (0.05f, 0.8f), (0.05f, 0.2f)),
            Poly(ref rng, 0.03f, (0.05f, 0.2f), (0.5f, 0.55f), (0.95f, 0.2f)));

    private static List<List<(float X, float Y)>> Sun(ref StreamRandom rng)
    {
        var strokes = Strokes(Arc(ref rng, 0.5f, 0.5f, 0.22f, 0.22f, 0, 2 * MathF.PI, 20));
        int rays = 6 + rng.NextInt(5);
        for (int i = 0; i < rays; i++)
        {
            float a = 2 * MathF.PI * i / rays;
            strokes.Add(Line(ref rng, 0.5f + 0.3f * MathF.Cos(a), 0.5f + 0.3f * MathF.Sin(a), 0.5f + 0.48f * MathF.Cos(a), 0.5f + 0.48f * MathF.Sin(a), 0.02f));
        }
        return strokes;
    }

    private static List<List<(float X, float Y)>> StickFigure(ref StreamRandom rng) =>
        Strokes(Arc(ref rng, 0.5f, 0.15f, 0.12f, 0.12f, 0, 2 * MathF.PI, 14), Line(ref rng, 0.5f, 0.27f, 0.5f, 0.65f, 0.02f),
            Line(ref rng, 0.2f, 0.42f, 0.8f, 0.42f, 0.04f), Poly(ref rng, 0.03f, (0.25f, 0.95f), (0.5f, 0.65f), (0.75f, 0.95f)));

    private static List<List<(float X, float Y)>> Flower(ref StreamRandom rng)
    {
        int petals = 4 + rng.NextInt(4);
        var f = new List<(float X, float Y)>();
        for (int i = 0; i <= petals * 10; i++)
        {
            float a = 2 * MathF.PI * i / (petals * 10), r = 0.12f + 0.3f * MathF.Abs(MathF.Sin(petals * a / 2));
            f.Add((0.5f + r * MathF.Cos(a), 0.4f + r * MathF.Sin(a) * 0.8f));
        }
        var strokes = Strokes(f);
        if (rng.NextSingle() < 0.6f) strokes.Add(Line(ref rng, 0.5f, 0.7f, 0.5f, 0.98f, 0.02f));
        return strokes;
    }

    // ---- additional letters and shapes ------------------------------------------------------------------------------
    // Lower-case letters are named small-x, so that no two names differ only by case (N is trained on, A held out).

    private static List<List<(float X, float Y)>> L(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.04f, (0.2f, 0.05f), (0.2f, 0.95f), (rng.Uniform(0.65f, 0.9f), 0.95f)));

    private static List<List<(float X, float Y)>> SmallN(ref StreamRandom rng)
    {
        // Stem, then the arch and its leg in one stroke, as n is written.
        float top = rng.Uniform(0.25f, 0.4f), r = 0.3f;
        var n = new List<(float X, float Y)> { P(ref rng, 0.2f, 0.95f), (0.2f, top + r) };
        n.AddRange(Arc(ref rng, 0.5f, top + r, r, r, MathF.PI, 2 * MathF.PI, 12));
        n.Add(P(ref rng, 0.8f, 0.95f));
        return Strokes(n);
    }

    private static List<List<(float X, float Y)>> Pi(ref StreamRandom rng)
    {
        float bar = rng.Uniform(0.12f, 0.3f);
        return Strokes(Line(ref rng, 0.05f, bar, 0.95f, bar, 0.04f), Line(ref rng, 0.32f, bar, 0.28f, 0.95f),
            Poly(ref rng, 0.03f, (0.68f, bar), (0.7f, 0.85f), (0.85f, 0.95f)));
    }

    private static List<List<(float X, float Y)>> EqualsSign(ref StreamRandom rng)
    {
        float gap = rng.Uniform(0.2f, 0.4f);
        return Strokes(Line(ref rng, 0.1f, 0.5f - gap / 2, 0.9f, 0.5f - gap / 2, 0.04f), Line(ref rng, 0.1f, 0.5f + gap / 2, 0.9f, 0.5f + gap / 2, 0.04f));
    }

    private static List<List<(float X, float Y)>> Chevron(ref StreamRandom rng)
    {
        // < or >.
        float tip = rng.NextSingle() < 0.5f ? 0.15f : 0.85f;
        return Strokes(Poly(ref rng, 0.04f, (1 - tip, 0.1f), (tip, 0.5f), (1 - tip, 0.9f)));
    }

    private static List<List<(float X, float Y)>> Infinity(ref StreamRandom rng)
    {
        // A lemniscate: an 8 lying down, which is no digit.
        float height = rng.Uniform(0.7f, 1.2f);
        var loop = new List<(float X, float Y)>();
        for (int i = 0; i <= 48; i++)
        {
            float t = 2 * MathF.PI * i / 48, d = 1 + MathF.Sin(t) * MathF.Sin(t);
            loop.Add((0.5f + 0.45f * MathF.Cos(t) / d, 0.5f + 0.45f * height * MathF.Sin(t) * MathF.Cos(t) / d));
        }
        return Strokes(loop);
    }

    private static List<List<(float X, float Y)>> Fish(ref StreamRandom rng)
    {
        float open = rng.Uniform(0.5f, 0.8f), tail = rng.Uniform(0.2f, 0.35f);
        var fish = Arc(ref rng, 0.4f, 0.5f, 0.35f, rng.Uniform(0.15f, 0.25f), open, 2 * MathF.PI - open, 20);
        fish.Add(P(ref rng, 0.95f, 0.5f + tail, 0.03f));
        fish.Add(P(ref rng, 0.95f, 0.5f - tail, 0.03f));
        fish.Add(fish[0]);
        return Strokes(fish);
    }

    private static List<List<(float X, float Y)>> Eye(ref StreamRandom rng)
    {
        // A lens of two arcs with the iris inside: a 0 inside something, never a digit.
        float bulge = rng.Uniform(0.25f, 0.4f), r = rng.Uniform(0.08f, 0.14f);
        var lens = new List<(float X, float Y)>();
        for (int i = 0; i <= 16; i++) { float t = i / 16f; lens.Add((0.05f + 0.9f * t, 0.5f - bulge * MathF.Sin(MathF.PI * t))); }
        for (int i = 1; i <= 16; i++) { float t = 1 - i / 16f; lens.Add((0.05f + 0.9f * t, 0.5f + bulge * MathF.Sin(MathF.PI * t))); }
        return Strokes(lens, Arc(ref rng, 0.5f, 0.5f, r, r, 0, 2 * MathF.PI, 10));
    }

    private static List<List<(float X, float Y)>> SmallA(ref StreamRandom rng)
    {
        // The two-storey a: a hook over the stem, then the bowl against the stem.
        var hook = Arc(ref rng, 0.5f, 0.3f, 0.25f, rng.Uniform(0.15f, 0.22f), -5 * MathF.PI / 6, 0, 12);
        hook.Add(P(ref rng, 0.76f, 0.95f, 0.03f));
        float a0 = rng.Uniform(-0.4f, -0.1f);
        return Strokes(hook, Arc(ref rng, 0.52f, 0.72f, 0.25f, 0.2f, a0, a0 - 1.8f * MathF.PI, 18));
    }

    private static List<List<(float X, float Y)>> SmallE(ref StreamRandom rng)
    {
        float mid = rng.Uniform(0.45f, 0.6f);
        var e = new List<(float X, float Y)> { P(ref rng, 0.15f, mid, 0.03f), (0.85f, mid) };
        e.AddRange(Arc(ref rng, 0.5f, mid, 0.35f, 0.38f, 0, -2 * MathF.PI + rng.Uniform(0.5f, 1f), 22));
        return Strokes(e);
    }

    private static List<List<(float X, float Y)>> SmallF(ref StreamRandom rng)
    {
        var f = Arc(ref rng, 0.62f, 0.2f, 0.17f, 0.15f, -0.3f, -MathF.PI, 10);
        f.Add(P(ref rng, 0.45f, 0.95f, 0.03f));
        float bar = rng.Uniform(0.35f, 0.5f);
        return Strokes(f, Line(ref rng, 0.22f, bar, 0.72f, bar, 0.03f));
    }

    private static List<List<(float X, float Y)>> SmallH(ref StreamRandom rng)
    {
        // Stem down, back up to the shoulder, the arch and its leg, in one stroke.
        float top = rng.Uniform(0.35f, 0.5f), r = 0.3f;
        var h = new List<(float X, float Y)> { P(ref rng, 0.2f, 0.05f), (0.2f, 0.95f), (0.2f, top + r) };
        h.AddRange(Arc(ref rng, 0.5f, top + r, r, r * 0.8f, MathF.PI, 2 * MathF.PI, 12));
        h.Add(P(ref rng, 0.8f, 0.95f, 0.03f));
        return Strokes(h);
    }

    private static List<List<(float X, float Y)>> SmallR(ref StreamRandom rng)
    {
        float top = rng.Uniform(0.3f, 0.45f);
        return Strokes(Line(ref rng, 0.3f, top, 0.3f, 0.95f, 0.03f),
            Arc(ref rng, 0.6f, top + 0.3f, 0.3f, 0.3f, MathF.PI, MathF.PI * rng.Uniform(1.6f, 1.8f), 10));
    }

    private static List<List<(float X, float Y)>> Lambda(ref StreamRandom rng)
    {
        float joint = rng.Uniform(0.4f, 0.6f);
        return Strokes(Poly(ref rng, 0.03f, (0.15f, 0.05f), (0.35f, 0.15f), (0.88f, 0.95f)),
            Line(ref rng, 0.2f + 0.68f * joint, joint, 0.12f, 0.95f, 0.03f));
    }

    private static List<List<(float X, float Y)>> Mu(ref StreamRandom rng)
    {
        var u = new List<(float X, float Y)> { P(ref rng, 0.22f, 0.1f, 0.03f) };
        u.AddRange(Arc(ref rng, 0.45f, 0.5f, 0.23f, 0.25f, MathF.PI, 0, 12));
        u.Add(P(ref rng, 0.68f, 0.1f, 0.03f));
        u.Add(P(ref rng, 0.85f, 0.8f, 0.03f));
        return Strokes(Line(ref rng, 0.22f, 0.1f, 0.15f, 1f, 0.03f), u);
    }

    private static List<List<(float X, float Y)>> Omega(ref StreamRandom rng)
    {
        float open = rng.Uniform(0.5f, 0.9f);
        var o = new List<(float X, float Y)> { P(ref rng, 0.08f, 0.92f, 0.03f) };
        o.AddRange(Arc(ref rng, 0.5f, 0.45f, 0.38f, 0.4f, MathF.PI / 2 + open, 2.5f * MathF.PI - open, 20));
        o.Add(P(ref rng, 0.92f, 0.92f, 0.03f));
        return Strokes(o);
    }

    private static List<List<(float X, float Y)>> Psi(ref StreamRandom rng)
    {
        var cup = new List<(float X, float Y)> { P(ref rng, 0.1f, 0.1f, 0.03f) };
        cup.AddRange(Arc(ref rng, 0.5f, 0.3f, 0.4f, 0.3f, MathF.PI, 0, 12));
        cup.Add(P(ref rng, 0.9f, 0.1f, 0.03f));
        return Strokes(cup, Line(ref rng, 0.5f, 0.05f, 0.5f, 0.95f, 0.03f));
    }

    private static List<List<(float X, float Y)>> Question(ref StreamRandom rng)
    {
        var q = Arc(ref rng, 0.5f, 0.3f, 0.28f, 0.25f, -MathF.PI, MathF.PI / 2, 16);
        q.Add(P(ref rng, 0.5f, rng.Uniform(0.68f, 0.75f), 0.03f));
        return Strokes(q, Arc(ref rng, 0.5f, 0.9f, 0.03f, 0.03f, 0, 2 * MathF.PI, 6));
    }

    private static List<List<(float X, float Y)>> Percent(ref StreamRandom rng)
    {
        float r = rng.Uniform(0.1f, 0.16f);
        return Strokes(Arc(ref rng, 0.25f, 0.22f, r, r, 0, 2 * MathF.PI, 10), Line(ref rng, 0.85f, 0.05f, 0.15f, 0.95f, 0.03f),
            Arc(ref rng, 0.75f, 0.78f, r, r, 0, 2 * MathF.PI, 10));
    }

    private static List<List<(float X, float Y)>> At(ref StreamRandom rng)
    {
        // The small a inside, then its stem running on into the outer turn.
        var outer = new List<(float X, float Y)> { P(ref rng, 0.64f, 0.35f, 0.02f), (0.66f, 0.62f) };
        outer.AddRange(Arc(ref rng, 0.5f, 0.5f, 0.44f, 0.44f, 0.4f, 0.4f - rng.Uniform(1.6f, 1.9f) * MathF.PI, 26));
        return Strokes(Arc(ref rng, 0.5f, 0.5f, 0.15f, 0.15f, 0, 2 * MathF.PI, 10), outer);
    }

    private static List<List<(float X, float Y)>> Pound(ref StreamRandom rng)
    {
        var p = Arc(ref rng, 0.6f, 0.25f, 0.2f, 0.2f, -0.2f, -MathF.PI, 10);
        p.Add((0.4f, 0.75f));
        p.Add(P(ref rng, 0.2f, 0.95f, 0.03f));
        p.Add(P(ref rng, 0.88f, 0.95f, 0.03f));
        float bar = rng.Uniform(0.5f, 0.6f);
        return Strokes(p, Line(ref rng, 0.2f, bar, 0.62f, bar, 0.03f));
    }

    private static List<List<(float X, float Y)>> Euro(ref StreamRandom rng)
    {
        float open = rng.Uniform(0.5f, 0.8f), gap = rng.Uniform(0.12f, 0.2f);
        return Strokes(Arc(ref rng, 0.58f, 0.5f, 0.38f, 0.45f, -open, -2 * MathF.PI + open, 20),
            Line(ref rng, 0.08f, 0.5f - gap / 2, 0.62f, 0.5f - gap / 2, 0.02f), Line(ref rng, 0.08f, 0.5f + gap / 2, 0.58f, 0.5f + gap / 2, 0.02f));
    }

    private static List<List<(float X, float Y)>> Root(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.03f, (0.05f, 0.6f), (0.18f, 0.5f), (0.35f, 0.95f), (0.55f, 0.05f), (rng.Uniform(0.8f, 0.98f), 0.05f)));

    private static List<List<(float X, float Y)>> Note(ref StreamRandom rng)
    {
        // An eighth note: the head, its stem and the flag.
        var stem = new List<(float X, float Y)> { P(ref rng, 0.45f, 0.8f, 0.02f), (0.45f, 0.08f) };
        stem.Add(P(ref rng, 0.75f, 0.3f, 0.04f));
        stem.Add(P(ref rng, 0.7f, 0.5f, 0.04f));
        return Strokes(Arc(ref rng, 0.3f, 0.82f, 0.15f, 0.1f, 0, 2 * MathF.PI, 10), stem);
    }

    private static List<List<(float X, float Y)>> Diamond(ref StreamRandom rng)
    {
        float w = rng.Uniform(0.3f, 0.45f);
        return Strokes(Poly(ref rng, 0.04f, (0.5f, 0.05f), (0.5f + w, 0.5f), (0.5f, 0.95f), (0.5f - w, 0.5f), (0.5f, 0.05f)));
    }

    private static List<List<(float X, float Y)>> Umbrella(ref StreamRandom rng)
    {
        var canopy = Arc(ref rng, 0.5f, 0.45f, 0.45f, 0.35f, MathF.PI, 2 * MathF.PI, 16);
        canopy.Add(canopy[0]);
        var handle = new List<(float X, float Y)> { (0.5f, 0.45f), P(ref rng, 0.5f, 0.85f, 0.02f) };
        handle.AddRange(Arc(ref rng, 0.4f, 0.85f, 0.1f, 0.1f, 0, MathF.PI, 6));
        return Strokes(canopy, handle);
    }

    private static List<List<(float X, float Y)>> Cup(ref StreamRandom rng)
    {
        float top = rng.Uniform(0.1f, 0.3f);
        return Strokes(Poly(ref rng, 0.03f, (0.12f, top), (0.18f, 0.92f), (0.68f, 0.92f), (0.74f, top), (0.12f, top)),
            Arc(ref rng, 0.74f, 0.55f, 0.18f, 0.18f, -MathF.PI / 2, MathF.PI / 2, 10));
    }

    private static List<List<(float X, float Y)>> DoorKey(ref StreamRandom rng)
    {
        var strokes = Strokes(Arc(ref rng, 0.2f, 0.5f, 0.15f, 0.15f, 0, 2 * MathF.PI, 12), Line(ref rng, 0.35f, 0.5f, 0.95f, 0.5f, 0.02f));
        int teeth = 1 + rng.NextInt(3);
        for (int i = 0; i < teeth; i++) strokes.Add(Line(ref rng, 0.9f - 0.1f * i, 0.5f, 0.9f - 0.1f * i, 0.68f, 0.02f));
        return strokes;
    }

    // ---- held-out letters and shapes -------------------------------------------------------------------------------

    private static List<List<(float X, float Y)>> A(ref StreamRandom rng)
    {
        float bar = rng.Uniform(0.5f, 0.7f);
        return Strokes(Poly(ref rng, 0.04f, (0.1f, 0.95f), (0.5f, 0.05f), (0.9f, 0.95f)), Line(ref rng, 0.3f, bar, 0.7f, bar, 0.04f));
    }

    private static List<List<(float X, float Y)>> E(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.04f, (0.8f, 0.05f), (0.2f, 0.05f), (0.2f, 0.95f), (0.8f, 0.95f)), Line(ref rng, 0.2f, 0.5f, 0.65f, 0.5f, 0.04f));

    private static List<List<(float X, float Y)>> H(ref StreamRandom rng)
    {
        float bar = rng.Uniform(0.4f, 0.6f);
        return Strokes(Line(ref rng, 0.15f, 0.05f, 0.15f, 0.95f), Line(ref rng, 0.85f, 0.05f, 0.85f, 0.95f), Line(ref rng, 0.15f, bar, 0.85f, bar, 0.04f));
    }

    private static List<List<(float X, float Y)>> M(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.04f, (0.1f, 0.95f), (0.15f, 0.05f), (0.5f, rng.Uniform(0.5f, 0.8f)), (0.85f, 0.05f), (0.9f, 0.95f)));

    private static List<List<(float X, float Y)>> W(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.04f, (0.05f, 0.05f), (0.28f, 0.95f), (0.5f, rng.Uniform(0.2f, 0.5f)), (0.72f, 0.95f), (0.95f, 0.05f)));

    private static List<List<(float X, float Y)>> Star(ref StreamRandom rng)
    {
        float start = -MathF.PI / 2 + rng.Uniform(-0.2f, 0.2f);
        var s = new List<(float X, float Y)>();
        for (int i = 0; i <= 5; i++)
        {
            float a = start + 2 * MathF.PI * (2 * i % 5) / 5;
            s.Add(P(ref rng, 0.5f + 0.47f * MathF.Cos(a), 0.52f + 0.47f * MathF.Sin(a), 0.03f));
        }
        s[^1] = s[0];
        return Strokes(s);
    }

    private static List<List<(float X, float Y)>> Heart(ref StreamRandom rng)
    {
        var h = new List<(float X, float Y)>();
        for (int i = 0; i <= 40; i++)
        {
            float t = 2 * MathF.PI * i / 40;
            float x = 16 * MathF.Pow(MathF.Sin(t), 3), y = 13 * MathF.Cos(t) - 5 * MathF.Cos(2 * t) - 2 * MathF.Cos(3 * t) - MathF.Cos(4 * t);
            h.Add((0.5f + x / 34f, 0.45f - y / 34f));
        }
        return Strokes(h);
    }

    private static List<List<(float X, float Y)>> Smiley(ref StreamRandom rng)
    {
        var strokes = Strokes(Arc(ref rng, 0.5f, 0.5f, 0.45f, 0.45f, 0, 2 * MathF.PI, 28));
        float eye = rng.Uniform(0.02f, 0.05f);
        strokes.Add(Arc(ref rng, 0.35f, 0.38f, eye, eye, 0, 2 * MathF.PI, 6));
        strokes.Add(Arc(ref rng, 0.65f, 0.38f, eye, eye, 0, 2 * MathF.PI, 6));
        strokes.Add(Arc(ref rng, 0.5f, 0.55f, 0.22f, 0.15f, 0.3f, MathF.PI - 0.3f, 10));
        return strokes;
    }

    private static List<List<(float X, float Y)>> Hash(ref StreamRandom rng) =>
        Strokes(Line(ref rng, 0.38f, 0.05f, 0.3f, 0.95f, 0.04f), Line(ref rng, 0.72f, 0.05f, 0.64f, 0.95f, 0.04f),
            Line(ref rng, 0.08f, 0.35f, 0.92f, 0.35f, 0.04f), Line(ref rng, 0.05f, 0.65f, 0.9f, 0.65f, 0.04f));

    private static List<List<(float X, float Y)>> Plus(ref StreamRandom rng) =>
        Strokes(Line(ref rng, 0.05f, 0.5f, 0.95f, 0.5f, 0.05f), Line(ref rng, 0.5f, 0.05f, 0.5f, 0.95f, 0.05f));

    private static List<List<(float X, float Y)>> Triangle(ref StreamRandom rng) =>
        Strokes(Poly(ref rng, 0.05f, (0.5f, 0.08f), (0.95f, 0.9f), (0.05f, 0.9f), (0.5f, 0.08f)));
}
