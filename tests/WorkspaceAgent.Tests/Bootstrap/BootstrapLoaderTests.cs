using System.Text;
using Workspaces.WorkspaceAgent.Bootstrap;
using Workspaces.TestSupport.Files;

namespace Workspaces.WorkspaceAgent.Tests.Bootstrap;

public sealed class BootstrapLoaderTests
{
    private const string ValidJson = """
        {
          "workspaceId": "ws-1",
          "repositoryUrl": "https://github.com/org/repo",
          "ref": "main",
          "workspaceDirectory": "/data/ws-1",
          "checkoutDirectoryName": "repo",
          "agentSecret": "the-secret",
          "gitCredential": { "username": "u", "password": "p" },
          "listenUrl": "http://127.0.0.1:0",
          "diskLimitBytes": 1048576,
          "environment": { "FOO": "bar" }
        }
        """;

    [Fact]
    public async Task LoadAsync_StdinSwitch_ReadsStandardInput()
    {
        var bootstrap = await BootstrapLoader.LoadAsync(["--bootstrap-stdin"], () => Utf8(ValidJson), CancellationToken.None);

        Assert.Equal("ws-1", bootstrap.WorkspaceId);
        Assert.Equal("p", bootstrap.GitCredential?.Password);
        Assert.Equal(1048576, bootstrap.DiskLimitBytes);
        Assert.Equal("bar", bootstrap.Environment["FOO"]);
    }

    [Fact]
    public async Task LoadAsync_FileSwitch_ReadsTheFile()
    {
        using var directory = TempDirectory.Create();
        var path = directory.Combine("bootstrap.json");
        await File.WriteAllTextAsync(path, ValidJson);

        var bootstrap = await BootstrapLoader.LoadAsync(["--bootstrap-file", path], () => throw new InvalidOperationException("stdin"), CancellationToken.None);

        Assert.Equal("https://github.com/org/repo", bootstrap.RepositoryUrl);
    }

    [Fact]
    public async Task LoadAsync_NoEnvironment_EmptyMap()
    {
        var json = ValidJson.Replace("\"environment\": { \"FOO\": \"bar\" }", "\"ignored\": 1", StringComparison.Ordinal);

        var bootstrap = await BootstrapLoader.LoadAsync(["--bootstrap-stdin"], () => Utf8(json), CancellationToken.None);

        Assert.Empty(bootstrap.Environment);
    }

    [Theory]
    [InlineData("")]
    [InlineData("--bootstrap-stdin --bootstrap-file x")]
    [InlineData("--bootstrap-file")]
    public async Task LoadAsync_WrongSwitches_BootstrapException(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        await Assert.ThrowsAsync<BootstrapException>(() => BootstrapLoader.LoadAsync(args, () => Utf8(ValidJson), CancellationToken.None));
    }

    [Fact]
    public async Task LoadAsync_MissingFields_NamesThemWithoutEchoingTheSecret()
    {
        var json = """{ "workspaceId": "ws-1", "agentSecret": "the-secret", "listenUrl": "http://127.0.0.1:0" }""";

        var error = await Assert.ThrowsAsync<BootstrapException>(() => BootstrapLoader.LoadAsync(["--bootstrap-stdin"], () => Utf8(json), CancellationToken.None));

        Assert.Contains("repositoryUrl is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("workspaceDirectory is required", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_BrokenJson_ErrorWithoutTheContent()
    {
        var error = await Assert.ThrowsAsync<BootstrapException>(() =>
            BootstrapLoader.LoadAsync(["--bootstrap-stdin"], () => Utf8("""{ "agentSecret": "the-secret", """), CancellationToken.None));

        Assert.DoesNotContain("the-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CheckoutNameWithSlash_Rejected()
    {
        var bootstrap = Infrastructure.TestBootstraps.Create("/data/ws", "https://h/o/r") with { CheckoutDirectoryName = "../escape" };

        Assert.Contains(BootstrapValidator.Validate(bootstrap), problem => problem.StartsWith("checkoutDirectoryName", StringComparison.Ordinal));
    }

    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));
}
