using System.Text;

namespace Workspaces.Shared.Tests;

/// <summary>The real configuration files copied under testdata/ (see testdata/*/SOURCES.md).</summary>
internal static class TestData
{
    public static string Directory(string kind) => Path.Combine(AppContext.BaseDirectory, "testdata", kind);

    public static string PathOf(string kind, string fileName) => Path.Combine(Directory(kind), fileName);

    public static string Text(string kind, string fileName) => File.ReadAllText(PathOf(kind, fileName));

    public static IEnumerable<string> Files(string kind, string suffix) =>
        System.IO.Directory.GetFiles(Directory(kind), "*" + suffix).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
}

/// <summary>A throw-away checkout directory, deleted when the test ends.</summary>
internal sealed class TempCheckout : IDisposable
{
    public TempCheckout()
    {
        Root = Path.Combine(Path.GetTempPath(), "workspaces-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Write(string relativePath, string text) => Write(relativePath, Encoding.UTF8.GetBytes(text));

    public string Write(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Copy(string relativePath, string sourceFile)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(sourceFile, path);
        return path;
    }

    public void Link(string relativePath, string target)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test that made it.
        }
    }
}
