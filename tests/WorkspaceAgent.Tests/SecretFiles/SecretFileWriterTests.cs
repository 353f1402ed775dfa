using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceAgent.SecretFiles;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.SecretFiles;

public sealed class SecretFileWriterTests : IDisposable
{
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-secrets");

    public void Dispose() => _workspace.Dispose();

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void WriteAll_SecretsAsFiles_WritesEachReadableByTheWorkspaceUserOnly()
    {
        var bootstrap = Bootstrap(new WorkspaceFile("DB_PASSWORD", "s3cr3t\nsecond line"), new WorkspaceFile("TLS_KEY", "-----BEGIN KEY-----"));
        var layout = TestBootstraps.LayoutOf(bootstrap);

        SecretFileWriter.WriteAll(bootstrap, layout);

        var password = Path.Combine(layout.SecretsDirectory, "DB_PASSWORD");
        Assert.Equal("s3cr3t\nsecond line", File.ReadAllText(password));
        Assert.Equal("-----BEGIN KEY-----", File.ReadAllText(Path.Combine(layout.SecretsDirectory, "TLS_KEY")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(password));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(layout.SecretsDirectory));
    }

    [Fact]
    public void WriteAll_SecretChangedSinceTheLastStart_FileHoldsTheNewValueOnly()
    {
        var layout = TestBootstraps.LayoutOf(Bootstrap());
        SecretFileWriter.WriteAll(Bootstrap(new WorkspaceFile("TOKEN", "a long old value")), layout);

        SecretFileWriter.WriteAll(Bootstrap(new WorkspaceFile("TOKEN", "new")), layout);

        Assert.Equal("new", File.ReadAllText(Path.Combine(layout.SecretsDirectory, "TOKEN")));
    }

    [Fact]
    public void WriteAll_NoSecretFiles_CreatesNoSecretsDirectory()
    {
        var bootstrap = Bootstrap();

        SecretFileWriter.WriteAll(bootstrap, TestBootstraps.LayoutOf(bootstrap));

        Assert.False(Directory.Exists(TestBootstraps.LayoutOf(bootstrap).SecretsDirectory));
    }

    [Fact]
    public void WriteAll_NameWithAPathInIt_StaysInTheSecretsDirectory()
    {
        var bootstrap = Bootstrap(new WorkspaceFile("../../escaped", "x"));
        var layout = TestBootstraps.LayoutOf(bootstrap);

        SecretFileWriter.WriteAll(bootstrap, layout);

        Assert.Equal(["escaped"], Directory.GetFiles(layout.SecretsDirectory).Select(f => Path.GetFileName(f)));
        Assert.False(File.Exists(Path.Combine(_workspace.Path, "escaped")));
    }

    [Fact]
    public void Variables_SecretsAsFiles_NameEachFileAsNameFile()
    {
        var bootstrap = Bootstrap(new WorkspaceFile("DB_PASSWORD", "x"), new WorkspaceFile("TLS_KEY", "y"));
        var secrets = TestBootstraps.LayoutOf(bootstrap).SecretsDirectory;

        var variables = SecretFileWriter.Variables(bootstrap).ToDictionary();

        Assert.Equal(
            new Dictionary<string, string> { ["DB_PASSWORD_FILE"] = Path.Combine(secrets, "DB_PASSWORD"), ["TLS_KEY_FILE"] = Path.Combine(secrets, "TLS_KEY") },
            variables);
    }

    private AgentBootstrap Bootstrap(params WorkspaceFile[] files) =>
        TestBootstraps.Create(_workspace.Path, "https://example.invalid/o/r") with { Files = files.Length == 0 ? null : files };
}
