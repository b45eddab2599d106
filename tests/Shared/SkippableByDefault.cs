// Every test may depend on something outside the repository (MNIST, a judge program, Chromium); when it is missing
// the test must end as a visible skip (TestEnvironment.Unavailable), which xunit 2 only honours on the Skippable
// variants. These aliases take precedence over Xunit's own names, so [Fact] and [Theory] are those variants.
global using FactAttribute = Xunit.SkippableFactAttribute;
global using TheoryAttribute = Xunit.SkippableTheoryAttribute;
