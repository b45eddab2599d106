using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>The F(4×4,3×3) matrices of <see cref="ReferenceWinograd"/> compute the convolution: in double, to rounding.</summary>
public class WinogradReferenceTests
{
    [Theory]
    [InlineData(1, 1, 6, 6, 1, 0)]
    [InlineData(2, 3, 9, 7, 2, 1)]
    [InlineData(1, 2, 5, 8, 3, 2)]
    public void Matrix_form_equals_direct_convolution_in_double(int n, int cin, int h, int w, int cout, int padding)
    {
        var g = new Conv2dGeometry(n, cin, h, w, cout, 3, 1, padding);
        var x = TestData.Floats(g.Batch * g.InputItem, 1).Select(v => (double)v).ToArray();
        var wt = TestData.Floats(g.WeightLength, 2).Select(v => (double)v).ToArray();
        var b = TestData.Floats(cout, 3).Select(v => (double)v).ToArray();
        var expected = new double[g.Batch * g.OutputItem];
        var actual = new double[expected.Length];
        ReferenceConvolution.Forward<double>(g, x, wt, b, expected);
        ReferenceWinograd.Forward<double>(g, x, wt, b, actual);
        Tolerance.Float64.Reduction.AssertClose<double>(expected, actual, $"matrix-form Winograd {g}",
            Enumerable.Repeat((double)g.PatchSize, expected.Length).ToArray());
    }
}
