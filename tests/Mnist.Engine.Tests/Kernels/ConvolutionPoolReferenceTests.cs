using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// The fused oracle <see cref="ReferenceConvolutionPool"/> equals the three separate oracles it replaces:
/// <see cref="ReferenceConvolution"/>, ReLU and <see cref="ReferencePooling"/> (forward, and the weight and input gradients
/// of the pool's masked, scattered gradient), in float64.
/// </summary>
public class ConvolutionPoolReferenceTests
{
    [Theory]
    [InlineData(2, 1, 9, 11, 3, 3)]
    [InlineData(1, 2, 10, 8, 17, 2)]
    [InlineData(3, 1, 6, 6, 1, 3)]
    public void Fused_oracle_equals_convolution_relu_and_pool(int batch, int inChannels, int height, int width, int outChannels, int kernel)
    {
        var g = new Conv2dGeometry(batch, inChannels, height, width, outChannels, kernel);
        var random = new Random(batch * 100 + outChannels);
        double[] Doubles(int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] x = Doubles(batch * g.InputItem), w = Doubles(g.WeightLength), b = Doubles(outChannels);
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2, pooledLength = batch * outChannels * ph * pw;

        var pooled = new double[pooledLength];
        var corners = new int[pooledLength];
        ReferenceConvolutionPool.Forward<double>(g, x, w, b, pooled, corners);

        var y = new double[batch * g.OutputItem];
        ReferenceConvolution.Forward<double>(g, x, w, b, y);
        for (int i = 0; i < y.Length; i++) y[i] = y[i] <= 0 ? 0 : y[i];
        var expected = new double[pooledLength];
        var argmax = new int[pooledLength];
        ReferencePooling.MaxPool2d<double>(y, batch, outChannels, g.OutHeight, g.OutWidth, 2, 2, 0, expected, argmax);
        Tolerance.Float64.Arithmetic.AssertClose<double>(expected, pooled, "pooled");
        if (pooledLength >= 72)
        {
            // Both kinds of window present, or the loop below tests only one.
            Assert.Contains(Convolution.NoCorner, corners);
            Assert.Contains(corners, c => c != Convolution.NoCorner);
        }
        for (int k = 0; k < pooledLength; k++)
        {
            if (corners[k] == Convolution.NoCorner)
            {
                Assert.Equal(0.0, expected[k]);
                continue;
            }
            // The corner names the same cell as the pool's flat argmax.
            int plane = k / (ph * pw), i = k % (ph * pw) / pw, j = k % pw, c = corners[k];
            Assert.Equal((plane * g.OutHeight + 2 * i + (c >> 1)) * g.OutWidth + 2 * j + (c & 1), argmax[k]);
        }

        var dy = Doubles(pooledLength);
        double[] dw = new double[g.WeightLength], db = new double[outChannels];
        ReferenceConvolutionPool.BackwardWeights<double>(g, x, dy, corners, dw, db);
        var masked = dy.Select((d, k) => expected[k] > 0 ? d : 0).ToArray();
        var dense = new double[y.Length];
        ReferencePooling.MaxPool2dBackward<double>(masked, argmax, dense);
        double[] expectedW = new double[g.WeightLength], expectedB = new double[outChannels];
        ReferenceConvolution.BackwardWeights<double>(g, x, dense, expectedW, expectedB);
        Tolerance.Float64.Reduction.AssertClose<double>(expectedW, dw, "weight gradient");
        Tolerance.Float64.Reduction.AssertClose<double>(expectedB, db, "bias gradient");

        var dx = Doubles(batch * g.InputItem); // overwritten, not accumulated
        ReferenceConvolutionPool.BackwardData<double>(g, w, dy, corners, dx);
        var expectedX = new double[dx.Length];
        ReferenceConvolution.BackwardData<double>(g, dense, w, expectedX);
        Tolerance.Float64.Reduction.AssertClose<double>(expectedX, dx, "input gradient");
    }
}
