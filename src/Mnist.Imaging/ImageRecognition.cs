using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;
using Mnist.Inference;

namespace Mnist.Imaging;

/// <summary>
/// Encoded images (PNG, JPEG, WebP, BMP, GIF) as input of a <see cref="DigitPipeline"/>: decoded within
/// <see cref="ImageDecoderOptions"/>' limits (<see cref="ImageDecoderOptions.Default"/> when none are given), then the
/// pipeline's own preprocessing and model.
/// </summary>
public static class ImageRecognition
{
    /// <summary>Decodes and preprocesses an encoded image with the pipeline's preprocessing options.</summary>
    /// <exception cref="ImageDecodeException">Not an acceptable image.</exception>
    public static PreprocessResult PreprocessImage(this DigitPipeline pipeline, ReadOnlySpan<byte> encodedImage, ImageDecoderOptions? decoder = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return ImageDecoder.Preprocess(encodedImage, decoder ?? ImageDecoderOptions.Default, pipeline.Options.Preprocess);
    }

    /// <summary>Recognizes the digit in an encoded image.</summary>
    /// <exception cref="ImageDecodeException">Not an acceptable image.</exception>
    public static Recognition Recognize(this DigitPipeline pipeline, ReadOnlySpan<byte> encodedImage, ImageDecoderOptions? decoder = null) =>
        pipeline.Classify(pipeline.PreprocessImage(encodedImage, decoder));

    /// <summary>Recognizes several encoded images with one model call.</summary>
    /// <exception cref="ImageDecodeException">The first unacceptable image (to isolate failures per item, preprocess
    /// each with <see cref="PreprocessImage"/> and call <see cref="DigitPipeline.ClassifyBatch"/>).</exception>
    public static Recognition[] RecognizeBatch(this DigitPipeline pipeline, IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, ImageDecoderOptions? decoder = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(encodedImages);
        var items = new PreprocessResult[encodedImages.Count];
        for (int i = 0; i < items.Length; i++) items[i] = pipeline.PreprocessImage(encodedImages[i].Span, decoder);
        return pipeline.ClassifyBatch(items);
    }

    /// <summary>Reads a whole number (several digits on one line) in an encoded image: decoded within the limits, then
    /// <see cref="NumberReader.FromRgba"/> with the pipeline's classifier (all candidate segments in one model call).</summary>
    /// <exception cref="ImageDecodeException">Not an acceptable image.</exception>
    /// <exception cref="ArgumentException">More than <see cref="NumberReader.MaxPieces"/> pieces of ink.</exception>
    public static NumberReading ReadImage(this DigitPipeline pipeline, ReadOnlySpan<byte> encodedImage, ImageDecoderOptions? decoder = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return pipeline.ReadImage(ImageDecoder.Decode(encodedImage, decoder ?? ImageDecoderOptions.Default));
    }

    /// <summary>Reads a whole number in an image decoded earlier (<see cref="ImageDecoder.Decode"/>; decoding apart
    /// lets a caller bound concurrent decodes and read again with another model without decoding again). The digits'
    /// boxes are in pixels of the upright image as stored, also when it was decoded smaller.</summary>
    /// <exception cref="ArgumentException">More than <see cref="NumberReader.MaxPieces"/> pieces of ink.</exception>
    public static NumberReading ReadImage(this DigitPipeline pipeline, DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(image);
        NumberReading reading = NumberReader.FromRgba(image.Rgba, image.Width, image.Height, pipeline.Classifier.ClassifyBatch, PixelOrder.Rgba, preprocess: pipeline.Options.Preprocess);
        return image.Downsampled ? InSourcePixels(reading, image) : reading;
    }

    // A large image is read at the decoder's reduced size; its boxes are given in the pixels of the upright image as
    // sent, where a caller draws them.
    private static NumberReading InSourcePixels(NumberReading reading, DecodedImage image)
    {
        bool turned = image.Orientation >= 5; // EXIF orientations 5-8 swap width and height
        float sx = (float)(turned ? image.SourceHeight : image.SourceWidth) / image.Width;
        float sy = (float)(turned ? image.SourceWidth : image.SourceHeight) / image.Height;
        return reading with
        {
            Digits = reading.Digits
                .Select(d => d with { Box = new InkBounds(d.Box.X * sx, d.Box.Y * sy, d.Box.Width * sx, d.Box.Height * sy) })
                .ToArray(),
        };
    }
}
