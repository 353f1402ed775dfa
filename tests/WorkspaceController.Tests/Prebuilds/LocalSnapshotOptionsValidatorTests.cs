using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.WorkspaceController.Tests.Prebuilds;

public sealed class LocalSnapshotOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new LocalSnapshotOptionsValidator().Validate(null, new LocalSnapshotOptions { Directory = "/var/lib/workspaces/prebuilds" }).Succeeded);

    [Theory]
    [InlineData("prebuilds", 3, "Directory must be an absolute path")]
    [InlineData("/data/prebuilds", 0, "CompressionLevel must be between 1")]
    [InlineData("/data/prebuilds", 23, "CompressionLevel must be between 1")]
    public void Validate_BadValue_NamesTheKey(string directory, int level, string expected)
    {
        var result = new LocalSnapshotOptionsValidator().Validate(null, new LocalSnapshotOptions { Directory = directory, CompressionLevel = level });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Prebuilds:Storage:", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownMode_SaysWhichModesExist()
    {
        var result = new LocalSnapshotOptionsValidator().Validate(null, new LocalSnapshotOptions { Directory = "/data/prebuilds", Mode = (SnapshotStorageMode)7 });

        Assert.Contains("Mode must be Auto, Reflink or Archive", result.FailureMessage, StringComparison.Ordinal);
    }
}
