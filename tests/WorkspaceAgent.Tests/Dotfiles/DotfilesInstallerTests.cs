using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Dotfiles;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Dotfiles;

/// <summary>Installs real dotfiles repositories (file://, cloned through the clone worker) into a workspace's home.</summary>
public sealed class DotfilesInstallerTests : IDisposable
{
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-dotfiles");
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose()
    {
        _workspace.Dispose();
        _repositories.Dispose();
    }

    [Fact]
    public async Task Install_RepositoryWithInstallScript_RunsItWithHomeSetToTheWorkspaceHome()
    {
        var dotfiles = await _repositories.CreateAsync("with-script", new GitRepositoryBuilder()
            .WithFile("install.sh", "echo \"installed into $HOME from $DOTFILES\" > \"$HOME/installed\"\necho done installing\n")
            .WithFile(".bashrc", "alias ll='ls -l'\n")
            .Commit("Dotfiles"));
        var (installer, layout) = Installer(dotfiles.FileUrl);

        await installer.InstallAsync(CancellationToken.None);

        Assert.StartsWith($"installed into {layout.HomeDirectory} from ", await File.ReadAllTextAsync(Path.Combine(layout.HomeDirectory, "installed")));
        Assert.False(File.Exists(Path.Combine(layout.HomeDirectory, ".bashrc")), "a repository with an install script is not linked as well");
        var log = await File.ReadAllTextAsync(layout.DotfilesLogFile);
        Assert.Contains("  done installing", log, StringComparison.Ordinal);
        Assert.Contains("install.sh exited with code 0", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_RepositoryWithoutScript_LinksItsFilesButNotItsReadmeIntoTheHome()
    {
        var dotfiles = await _repositories.CreateAsync("links", new GitRepositoryBuilder()
            .WithFile(".bashrc", "alias ll='ls -l'\n")
            .WithFile(".config/tool.conf", "x=1\n")
            .WithFile("README.md", "# my dotfiles\n")
            .Commit("Dotfiles"));
        var (installer, layout) = Installer(dotfiles.FileUrl);

        await installer.InstallAsync(CancellationToken.None);

        var bashrc = new FileInfo(Path.Combine(layout.HomeDirectory, ".bashrc"));
        Assert.NotNull(bashrc.LinkTarget);
        Assert.Equal("alias ll='ls -l'\n", await File.ReadAllTextAsync(bashrc.FullName));
        Assert.Equal("x=1\n", await File.ReadAllTextAsync(Path.Combine(layout.HomeDirectory, ".config", "tool.conf")));
        Assert.False(File.Exists(Path.Combine(layout.HomeDirectory, "README.md")));
    }

    [Fact]
    public async Task Install_FileAlreadyInTheHome_LeftAlone()
    {
        var dotfiles = await _repositories.CreateAsync("clash", new GitRepositoryBuilder().WithFile(".profile", "from dotfiles\n").Commit("Dotfiles"));
        var (installer, layout) = Installer(dotfiles.FileUrl);
        Directory.CreateDirectory(layout.HomeDirectory);
        await File.WriteAllTextAsync(Path.Combine(layout.HomeDirectory, ".profile"), "the user's own\n");

        await installer.InstallAsync(CancellationToken.None);

        Assert.Equal("the user's own\n", await File.ReadAllTextAsync(Path.Combine(layout.HomeDirectory, ".profile")));
        Assert.Contains(".profile: already in the home directory, left alone", await File.ReadAllTextAsync(layout.DotfilesLogFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_SecondStartOfTheWorkspace_InstallsNothingAgain()
    {
        var dotfiles = await _repositories.CreateAsync("once", new GitRepositoryBuilder().WithFile(".vimrc", "set number\n").Commit("Dotfiles"));
        var (installer, layout) = Installer(dotfiles.FileUrl);
        await installer.InstallAsync(CancellationToken.None);
        File.Delete(Path.Combine(layout.HomeDirectory, ".vimrc"));

        await installer.InstallAsync(CancellationToken.None);

        Assert.False(File.Exists(Path.Combine(layout.HomeDirectory, ".vimrc")), "the user removed the link; a restart must not bring it back");
    }

    [Fact]
    public async Task Install_RepositoryMissing_LogsWhyAndDoesNotThrow()
    {
        var (installer, layout) = Installer(new Uri(Path.Combine(_workspace.Path, "no-such-dotfiles.git")).AbsoluteUri);

        await installer.InstallAsync(CancellationToken.None);

        Assert.Contains("Cloning the dotfiles failed", await File.ReadAllTextAsync(layout.DotfilesLogFile), StringComparison.Ordinal);
        Assert.False(Directory.Exists(layout.HomeDirectory) && Directory.EnumerateFileSystemEntries(layout.HomeDirectory).Any());
    }

    [Fact]
    public async Task Install_NoDotfilesRepository_TouchesNothing()
    {
        var (installer, layout) = Installer(null);

        await installer.InstallAsync(CancellationToken.None);

        Assert.False(File.Exists(layout.DotfilesLogFile));
        Assert.False(Directory.Exists(layout.HomeDirectory));
    }

    [Fact]
    public void Variables_WithAndWithoutDotfiles_HomeIsTheWorkspaceHomeOnlyWithThem()
    {
        var without = TestBootstraps.Create(_workspace.Path, "https://example.invalid/o/r");
        var with = without with { DotfilesRepository = "https://example.invalid/me/dotfiles" };

        Assert.Empty(DotfilesInstaller.Variables(without));
        Assert.Equal([KeyValuePair.Create("HOME", TestBootstraps.LayoutOf(with).HomeDirectory)], DotfilesInstaller.Variables(with));
    }

    private (DotfilesInstaller Installer, WorkspaceLayout Layout) Installer(string? dotfilesRepository)
    {
        // No HOME among the workspace's variables: the installer sets it to the workspace's home.
        var bootstrap = TestBootstraps.Create(_workspace.Path, "https://example.invalid/o/r", environment: new Dictionary<string, string>())
            with { DotfilesRepository = dotfilesRepository };
        var layout = TestBootstraps.LayoutOf(bootstrap);
        var cloner = new RepositoryCloner(
            new WorkerProcessCloneRunner(AgentBinary.CloneWorker, NullLogger<WorkerProcessCloneRunner>.Instance),
            NullLogger<RepositoryCloner>.Instance);
        return (new DotfilesInstaller(bootstrap, layout, cloner, NullLogger<DotfilesInstaller>.Instance), layout);
    }
}
