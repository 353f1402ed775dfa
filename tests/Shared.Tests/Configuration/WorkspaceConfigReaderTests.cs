using System.Text;
using Workspaces.Shared.Configuration;

namespace Workspaces.Shared.Tests.Configuration;

public sealed class WorkspaceConfigReaderTests
{
    [Fact]
    public void Read_NoConfiguration_IsEmptyWithoutProblems()
    {
        using var checkout = new TempCheckout();
        checkout.Write("README.md", "# hello\n");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Empty(config.Sources);
        Assert.Empty(config.Tasks);
        Assert.Empty(config.Warnings);
        Assert.Empty(config.Errors);
    }

    [Fact]
    public void Read_MissingCheckoutDirectory_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => WorkspaceConfigReader.Read(Path.Combine(Path.GetTempPath(), "workspaces-tests", "does-not-exist-" + Guid.NewGuid())));
    }

    [Fact]
    public void Read_GitpodYamlExtension_IsReadWhenGitpodYmlIsMissing()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yaml", "tasks:\n  - init: make\n");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yaml"], config.Sources);
        Assert.Equal("make", Assert.Single(config.Tasks).Init);
    }

    [Fact]
    public void Read_BothGitpodFiles_UsesGitpodYmlAndSaysTheOtherIsNotRead()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yml", "tasks:\n  - init: make\n");
        checkout.Write(".gitpod.yaml", "tasks:\n  - init: other\n");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml"], config.Sources);
        Assert.Equal("make", Assert.Single(config.Tasks).Init);
        Assert.Equal([".gitpod.yaml: not read, because .gitpod.yml is used."], config.Warnings);
    }

    [Fact]
    public void Read_DevcontainerLocations_PreferTheFolderThenTheRootFileThenSubfolders()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".devcontainer.json", """{"image": "root:1"}""");
        checkout.Write(".devcontainer/python/devcontainer.json", """{"image": "python:1"}""");
        checkout.Write(".devcontainer/devcontainer.json", """{"image": "folder:1"}""");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".devcontainer/devcontainer.json"], config.Sources);
        Assert.Equal("folder:1", config.Image);
        Assert.Equal([".devcontainer/devcontainer.json is used; other dev container configurations are not: .devcontainer.json, .devcontainer/python/devcontainer.json."], config.Warnings);
    }

    [Fact]
    public void Read_OnlySubfolderConfigurations_UsesTheFirstInOrdinalOrder()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".devcontainer/node/devcontainer.json", """{"image": "node:22"}""");
        checkout.Write(".devcontainer/go/devcontainer.json", """{"image": "golang:1.23"}""");
        checkout.Write(".devcontainer/docs/README.md", "not a configuration");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".devcontainer/go/devcontainer.json"], config.Sources);
        Assert.Equal("golang:1.23", config.Image);
        Assert.Equal([".devcontainer/go/devcontainer.json is used; other dev container configurations are not: .devcontainer/node/devcontainer.json."], config.Warnings);
    }

    [Fact]
    public void Read_ContainerWorkspaceFolder_IsTheCheckoutDirectory()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".devcontainer.json", """{"containerEnv": {"DATA": "${containerWorkspaceFolder}/data"}, "postCreateCommand": "cd ${containerWorkspaceFolder} && make"}""");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal(Path.Combine(checkout.Root, "data").Replace('\\', '/'), config.Environment["DATA"].Replace('\\', '/'));
        Assert.Equal($"cd {checkout.Root} && make", Assert.Single(config.Tasks).Init);
    }

    [Fact]
    public void Read_BothFiles_MergesPortsEnvironmentAndImageByTheDocumentedRules()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yml", "image:\n  file: .gitpod.Dockerfile\ntasks:\n  - init: npm ci\n    command: npm start\nports:\n  - port: 3000\n    name: Web\n    onOpen: open-preview\n  - port: 9000-9010\n");
        checkout.Write(".devcontainer/devcontainer.json", """
            {
              "image": "mcr.microsoft.com/devcontainers/javascript-node:22",
              "forwardPorts": [3000, 5432, 9005],
              "portsAttributes": { "3000": { "label": "Ignored label" }, "5432": { "label": "Postgres", "onAutoForward": "silent" } },
              "containerEnv": { "NODE_ENV": "development" },
              "postCreateCommand": "npm ci",
              "postStartCommand": "npm start"
            }
            """);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml", ".devcontainer/devcontainer.json"], config.Sources);
        Assert.Equal("mcr.microsoft.com/devcontainers/javascript-node:22", config.Image);
        Assert.Equal(
        [
            new PortConfig(3000, null, "Web", PortOnOpen.OpenPreview, PortVisibility.Private),
            new PortConfig(9000, 9010, null, PortOnOpen.Notify, PortVisibility.Private),
            new PortConfig(5432, null, "Postgres", PortOnOpen.Ignore, PortVisibility.Private),
        ], config.Ports);
        Assert.Equal(new Dictionary<string, string> { ["NODE_ENV"] = "development" }, config.Environment);
        var task = Assert.Single(config.Tasks);
        Assert.Equal(("npm ci", "npm start"), (task.Init, task.Command));
        Assert.Equal(
        [
            ".gitpod.yml line 1, column 1: the Dockerfile \".gitpod.Dockerfile\" (\"image.file\") is not built (building images is not supported); the workspace uses the image \"mcr.microsoft.com/devcontainers/javascript-node:22\" from .devcontainer/devcontainer.json instead.",
            ".devcontainer/devcontainer.json: \"postCreateCommand\", \"postStartCommand\" are not run, because .gitpod.yml defines the tasks (both files describe the same setup; running both would do it twice).",
        ], config.Warnings);
        Assert.Empty(config.Errors);
    }

    [Fact]
    public void Read_BothFilesNameAnImage_GitpodImageWinsAndTheOtherIsReported()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yml", "image: gitpod/workspace-full\n");
        checkout.Write(".devcontainer.json", """{"image": "node:22"}""");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal("gitpod/workspace-full", config.Image);
        Assert.Equal([".devcontainer.json: \"image\" \"node:22\" is not used: .gitpod.yml names \"gitpod/workspace-full\", and it comes first."], config.Warnings);
    }

    [Fact]
    public void Read_BrokenGitpodFile_DevcontainerStillConfiguresTheWorkspace()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yml", "tasks:\n  - init: a\n   command: b\n");
        checkout.Write(".devcontainer/devcontainer.json", """{"image": "node:22", "postCreateCommand": "npm ci", "forwardPorts": [3000]}""");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml", ".devcontainer/devcontainer.json"], config.Sources);
        Assert.Equal([".gitpod.yml line 3, column 4: expected a list item (\"- \") here; check the indentation of this line. Nothing from this file is used until this is fixed."], config.Errors);
        Assert.Equal("npm ci", Assert.Single(config.Tasks).Init);
        Assert.Equal("node:22", config.Image);
        Assert.Equal([3000], config.Ports.Select(port => port.Port));
    }

    [Fact]
    public void Read_FileOverOneMebibyte_IsNotReadAndSaysTooLarge()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yml", "tasks:\n  - init: a\n" + new string('#', WorkspaceConfigReader.MaxFileBytes));

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml: is too large (1.0 MiB; the limit is 1 MiB); it is not read."], config.Errors);
        Assert.Empty(config.Tasks);
    }

    [Fact]
    public void Read_FileOfExactlyOneMebibyte_IsRead()
    {
        using var checkout = new TempCheckout();
        var head = "tasks:\n  - init: a\n#";
        checkout.Write(".gitpod.yml", head + new string('x', WorkspaceConfigReader.MaxFileBytes - head.Length));

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Empty(config.Errors);
        Assert.Equal("a", Assert.Single(config.Tasks).Init);
    }

    [Fact]
    public void Read_BinaryFile_IsNotReadAndSaysBinary()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".devcontainer/devcontainer.json", [0x7B, 0x00, 0x01, 0x02, 0x7D]);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".devcontainer/devcontainer.json: is a binary file, not text; it is not read."], config.Errors);
    }

    [Fact]
    public void Read_InvalidUtf8_IsNotReadAndNamesTheByte()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yml", [.. "image: caf"u8, 0xE9, .. "\n"u8]);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml: is not valid UTF-8 text (byte 11 cannot be decoded); save it as UTF-8 so that it can be read."], config.Errors);
    }

    [Fact]
    public void Read_Utf16File_AsksForUtf8()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".gitpod.yml", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("tasks: []\n")]);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml: is saved as UTF-16; save it as UTF-8 so that it can be read."], config.Errors);
    }

    [Fact]
    public void Read_Utf8ByteOrderMark_IsAccepted()
    {
        using var checkout = new TempCheckout();
        checkout.Write(".devcontainer.json", [.. Encoding.UTF8.GetPreamble(), .. """{"image": "node:22"}"""u8]);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Empty(config.Errors);
        Assert.Equal("node:22", config.Image);
    }

    [Fact]
    public void Read_SymlinkToAFileOutsideTheCheckout_IsNotFollowed()
    {
        using var outside = new TempCheckout();
        var secret = outside.Write("agent-secret.yml", "image: top-secret-token\n");
        using var checkout = new TempCheckout();
        checkout.Link(".gitpod.yml", secret);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Null(config.Image);
        Assert.Equal([".gitpod.yml: is a symbolic link to something outside the repository; it is not read."], config.Errors);
        Assert.DoesNotContain(config.Warnings.Concat(config.Errors), message => message.Contains("top-secret-token", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_RelativeSymlinkEscapingWithDotDot_IsNotFollowed()
    {
        using var outside = new TempCheckout();
        using var checkout = new TempCheckout();
        outside.Write("x.json", """{"image": "leaked"}""");
        var relativeToOutside = Path.GetRelativePath(Path.Combine(checkout.Root, ".devcontainer"), Path.Combine(outside.Root, "x.json"));
        checkout.Link(".devcontainer/devcontainer.json", relativeToOutside);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Null(config.Image);
        Assert.Equal([".devcontainer/devcontainer.json: is a symbolic link to something outside the repository; it is not read."], config.Errors);
    }

    [Fact]
    public void Read_SymlinkedDevcontainerFolderOutsideTheCheckout_IsNotFollowed()
    {
        using var outside = new TempCheckout();
        outside.Write("devcontainer.json", """{"image": "leaked"}""");
        using var checkout = new TempCheckout();
        Directory.CreateSymbolicLink(Path.Combine(checkout.Root, ".devcontainer"), outside.Root);

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Null(config.Image);
        Assert.Equal([".devcontainer/devcontainer.json: is a symbolic link to something outside the repository; it is not read."], config.Errors);
    }

    [Fact]
    public void Read_SymlinkToDeviceFile_IsNotRead()
    {
        using var checkout = new TempCheckout();
        checkout.Link(".gitpod.yml", OperatingSystem.IsWindows() ? @"C:\Windows\win.ini" : "/dev/zero");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml: is a symbolic link to something outside the repository; it is not read."], config.Errors);
    }

    [Fact]
    public void Read_SymlinkInsideTheCheckout_IsFollowed()
    {
        using var checkout = new TempCheckout();
        checkout.Write("tools/dev/gitpod.yml", "tasks:\n  - init: make\n");
        checkout.Link(".gitpod.yml", "tools/dev/gitpod.yml");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Empty(config.Errors);
        Assert.Equal("make", Assert.Single(config.Tasks).Init);
    }

    [Fact]
    public void Read_SymlinkLoop_IsReportedNotHung()
    {
        using var checkout = new TempCheckout();
        checkout.Link(".gitpod.yml", "a.yml");
        checkout.Link("a.yml", ".gitpod.yml");

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml: is a symbolic link that does not end (a loop, or too many links); it is not read."], config.Errors);
    }

    [Fact]
    public void Read_ConfigPathIsADirectory_SaysSo()
    {
        using var checkout = new TempCheckout();
        Directory.CreateDirectory(Path.Combine(checkout.Root, ".gitpod.yml"));

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml: is a directory, not a file; it is not read."], config.Errors);
    }

    [Fact]
    public void ParseGitpod_TextOverTheLimit_IsTooLarge()
    {
        var config = WorkspaceConfigReader.ParseGitpod(new string('#', WorkspaceConfigReader.MaxFileBytes + 1));

        Assert.Equal([".gitpod.yml: is too large (1.0 MiB; the limit is 1 MiB); it is not read."], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_TextWithNulCharacter_IsBinary()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("{\"image\": \"a\0b\"}");

        Assert.Equal([".devcontainer/devcontainer.json: is a binary file, not text; it is not read."], config.Errors);
    }
}
