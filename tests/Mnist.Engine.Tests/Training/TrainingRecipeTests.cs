using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

public class TrainingRecipeTests
{
    [Fact]
    public void Default_recipe_mirrors_clothing_but_never_digits()
    {
        var recipe = TrainingRecipes.Default;
        Assert.Equal(0f, recipe.ForDataset("mnist").Augmentation.HorizontalFlipProbability);
        Assert.Same(recipe, recipe.ForDataset("mnist"));
        var clothing = recipe.ForDataset("fashion").Augmentation;
        Assert.True(clothing.HorizontalFlipProbability > 0);
        Assert.Equal(0f, clothing.RotationDegrees);
    }

    [Fact]
    public void No_recipe_flips_digits()
    {
        foreach (var recipe in TrainingRecipes.All)
            Assert.Equal(0f, recipe.ForDataset("mnist").Augmentation.HorizontalFlipProbability);
        Assert.Same(TrainingRecipes.Seed.Augmentation, TrainingRecipes.Seed.ForDataset("fashion").Augmentation);
        Assert.Equal(AugmentationOptions.None, TrainingRecipes.Fast.ForDataset("mnist").Augmentation);
    }

    [Fact]
    public void Default_recipe_trains_clothing_on_its_own_network_under_the_same_name()
    {
        var clothing = TrainingRecipes.Default.ForDataset("fashion");
        Assert.Equal(("default", "clothing"), (clothing.Name, clothing.Architecture));
        Assert.Equal(TrainingRecipes.Default.BatchSize, clothing.BatchSize);
        Assert.Equal(("default", "default"), (TrainingRecipes.Default.ForDataset("mnist").Name, TrainingRecipes.Default.ForDataset("mnist").Architecture));
        Assert.Same(clothing.Augmentation, clothing.ForDataset("fashion").Augmentation);
    }

    [Fact]
    public void Every_schedule_works_for_runs_of_any_length()
    {
        foreach (var recipe in TrainingRecipes.All.Where(r => r.CreateSchedule is not null))
        {
            for (long steps = 1; steps <= 600; steps++)
            {
                var schedule = recipe.CreateSchedule!(steps);
                for (long step = 0; step < steps; step++)
                {
                    double lr = schedule.LearningRateAt(step);
                    Assert.True(double.IsFinite(lr) && lr > 0, $"{recipe.Name}, {steps} steps, step {step}: {lr}");
                }
            }
        }
    }
}
