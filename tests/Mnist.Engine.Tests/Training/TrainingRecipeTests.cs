using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

public class TrainingRecipeTests
{
    [Fact]
    public void Default_recipe_mirrors_clothing_but_never_digits()
    {
        var recipe = TrainingRecipes.Default;
        Assert.Equal(0f, recipe.AugmentationFor("mnist").HorizontalFlipProbability);
        Assert.Same(recipe.Augmentation, recipe.AugmentationFor("mnist"));
        var clothing = recipe.AugmentationFor("fashion");
        Assert.True(clothing.HorizontalFlipProbability > 0);
        Assert.Equal(0f, clothing.RotationDegrees);
    }

    [Fact]
    public void No_recipe_flips_digits()
    {
        foreach (var recipe in TrainingRecipes.All)
            Assert.Equal(0f, recipe.AugmentationFor("mnist").HorizontalFlipProbability);
        Assert.Same(TrainingRecipes.Seed.Augmentation, TrainingRecipes.Seed.AugmentationFor("fashion"));
        Assert.Equal(AugmentationOptions.None, TrainingRecipes.Fast.AugmentationFor("mnist"));
    }
}
