using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceController.Local;

namespace Workspaces.WorkspaceController.Tests.Local;

/// <summary>What an operator reads at start when a local runtime setting is wrong: the key, the value and what to do.</summary>
public sealed class LocalRuntimeOptionsValidatorTests : IDisposable
{
    private readonly TempDirectory _data = TempDirectory.Create("ws-local-options");
    private readonly LocalRuntimeOptionsValidator _validator = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Validate_AbsoluteDirectoryAndAnAgentThere_Succeeds()
    {
        var result = _validator.Validate(null, Options());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_RelativeWorkspacesDirectory_NamesTheKeyAndTheValue()
    {
        var options = Options();
        options.WorkspacesDirectory = "workspaces";

        var result = _validator.Validate(null, options);

        Assert.Equal(["Workspaces:Runtime:Local:WorkspacesDirectory must be an absolute path (got 'workspaces')."], result.Failures);
    }

    [Fact]
    public void Validate_NoAgentAtThePath_SaysToBuildOrSetIt()
    {
        var options = Options();
        options.AgentPath = _data.Combine("missing-agent");

        var result = _validator.Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Workspaces:Runtime:Local:AgentPath: no agent executable at ", failure, StringComparison.Ordinal);
        Assert.Contains("Build the solution (dotnet build) or set the path.", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00", "StartTimeout must be between 00:00:01 and 00:10:00 (got 00:00:00).")]
    [InlineData("00:11:00", "StartTimeout must be between 00:00:01 and 00:10:00 (got 00:11:00).")]
    public void Validate_StartTimeoutOutOfRange_SaysTheRange(string timeout, string expected)
    {
        var options = Options();
        options.StartTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture);

        var result = _validator.Validate(null, options);

        Assert.Equal(["Workspaces:Runtime:Local:" + expected], result.Failures);
    }

    [Fact]
    public void Validate_NegativeGracePeriodAndDiskLimit_ReportsBoth()
    {
        var options = Options();
        options.StopGracePeriod = TimeSpan.FromSeconds(-1);
        options.DiskLimitBytes = -1;

        var result = _validator.Validate(null, options);

        Assert.Equal(
            [
                "Workspaces:Runtime:Local:StopGracePeriod must be between 00:00:00 and 00:05:00 (got -00:00:01).",
                "Workspaces:Runtime:Local:DiskLimitBytes must be 0 (no limit) or positive.",
            ],
            result.Failures);
    }

    private LocalRuntimeOptions Options()
    {
        var agent = _data.Combine("Workspaces.WorkspaceAgent");
        File.WriteAllText(agent, "");
        return new LocalRuntimeOptions { WorkspacesDirectory = _data.Combine("workspaces"), AgentPath = agent };
    }
}
