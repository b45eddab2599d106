namespace Mnist.Engine.Reading;

/// <summary>
/// The weights of <see cref="NumberReader"/>'s segmentation score. A segmentation's score is the sum, over its digits,
/// of ln(top probability) − <see cref="GapPenalty"/>·gap − <see cref="OverlapPenalty"/>·shortfall of overlap −
/// <see cref="WidthPenalty"/>·excess width −
/// <see cref="DigitCost"/>, minus <see cref="SkipCost"/> per speck left out, plus (images) <see cref="WholeBonus"/> for
/// reading everything as one digit and minus (images) <see cref="AmbiguityCost"/> for digits the model hesitates on;
/// lengths are in units of the line height (the height of all the ink). The defaults were tuned on synthetic numbers of
/// pendigits writers 1–20 and checked on writers 21–30 (docs/numbers.md).
/// </summary>
public sealed record NumberReaderOptions
{
    /// <summary>The default weights.</summary>
    public static NumberReaderOptions Default { get; } = new();

    /// <summary>Ink no wider than this (line heights) is read as one digit without segmentation: a lone digit with a
    /// broken stroke reads as it would alone.</summary>
    public float LoneDigitWidth { get; init; } = 0.6f;

    /// <summary>Cost of a digit that is only a slice of a connected piece of ink (image components cut where digits
    /// may touch): charged on both sides of a cut, so a cut must be earned by the model's scores.</summary>
    public float CutCost { get; init; } = 0.15f;

    /// <summary>Images only: bonus of the grouping that reads everything as one digit (framed exactly as a single
    /// prediction) when the ink is one connected whole, with specks, or no wider than <see cref="WholeWidth"/>. A cut
    /// of a lone digit must beat the whole by this margin; touching digits of a number usually do.</summary>
    public float WholeBonus { get; init; } = 0.75f;

    /// <summary>Images only: cost of an ambiguous digit, per unit of ln(top / runner-up probability) below
    /// <see cref="AmbiguityMargin"/>. A slice of a digit, or two digits framed as one, often reads as some digit with
    /// a runner-up close behind; ln(top probability) alone barely tells it from a clean digit.</summary>
    public float AmbiguityCost { get; init; } = 0.5f;

    /// <summary>Images only: a digit whose top probability is at least e^this times the runner-up's (4: about 55
    /// times) pays no <see cref="AmbiguityCost"/>.</summary>
    public float AmbiguityMargin { get; init; } = 4f;

    /// <summary>Images only: ink no wider than this (line heights) earns <see cref="WholeBonus"/> even when it is in
    /// several pieces (a broken 5, a 4 whose bar stands apart).</summary>
    public float WholeWidth { get; init; } = 1f;

    /// <summary>Cost per line height of blank horizontal space inside one digit (digits are one connected shape; their
    /// neighbours stand apart).</summary>
    public float GapPenalty { get; init; } = 12f;

    /// <summary>Cost of a part of a digit that does not overlap the parts left of it horizontally (per unit of the
    /// part's width that sticks out): the parts of one digit cross or nest, neighbouring digits only graze.</summary>
    public float OverlapPenalty { get; init; } = 1f;

    /// <summary>A digit's parts may stand at most this far apart (line heights).</summary>
    public float MaxGap { get; init; } = 0.35f;

    /// <summary>Width (line heights) beyond which a digit costs <see cref="WidthPenalty"/> per line height.</summary>
    public float WideDigit { get; init; } = 0.95f;

    /// <summary>Cost per line height of width beyond <see cref="WideDigit"/>.</summary>
    public float WidthPenalty { get; init; } = 6f;

    /// <summary>Height (line heights) below which a digit costs <see cref="ShortPenalty"/> per line height: the digits of
    /// one number are about as tall as each other, so a short group is likely a part of a digit.</summary>
    public float ShortDigit { get; init; } = 0.75f;

    /// <summary>Cost per line height of height missing below <see cref="ShortDigit"/>.</summary>
    public float ShortPenalty { get; init; } = 10f;

    /// <summary>Cost of each digit read: the balance between splitting and merging.</summary>
    public float DigitCost { get; init; }

    /// <summary>Cost of leaving out a speck (a piece much smaller than the line) instead of reading it as part of a digit.</summary>
    public float SkipCost { get; init; } = 1.5f;

    /// <summary>At most this many pieces (strokes, ink pieces) form one digit.</summary>
    public int MaxPiecesPerDigit { get; init; } = 4;

    /// <summary>An image component wider than this (line heights) is considered for cutting into touching digits.</summary>
    public float CutWidth { get; init; } = 0.45f;

    /// <summary>Images only: also read wide components cut between their stroke arcs (where one digit's stroke runs
    /// into its neighbour), and keep that reading when it scores better.</summary>
    public bool StrokeCuts { get; init; } = true;

    /// <summary>Images only: a component wider than this (line heights) is also cut between its stroke arcs
    /// (<see cref="StrokeCuts"/>). Narrower than <see cref="CutWidth"/> would not pay: two overlapping digits make a
    /// wide component, and every component cut costs a second search.</summary>
    public float StrokeCutWidth { get; init; } = 0.7f;

    internal void Validate()
    {
        if (!(GapPenalty >= 0 && CutCost >= 0 && OverlapPenalty >= 0 && ShortPenalty >= 0 && ShortDigit >= 0 && WidthPenalty >= 0 && DigitCost >= 0 && SkipCost >= 0 && MaxGap >= 0 && WideDigit > 0 && CutWidth > 0 && LoneDigitWidth >= 0 && WholeBonus >= 0 && WholeWidth >= 0 && AmbiguityCost >= 0 && AmbiguityMargin >= 0 && StrokeCutWidth > 0))
            throw new ArgumentException("Number reader weights must be finite and ≥ 0 (widths > 0).");
        if (MaxPiecesPerDigit < 1 || MaxPiecesPerDigit > 8)
            throw new ArgumentException($"MaxPiecesPerDigit must be 1..8; got {MaxPiecesPerDigit}.");
    }
}
