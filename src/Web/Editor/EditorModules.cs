using System.Text.Json;

namespace Workspaces.Web.Editor;

/// <summary>
/// The modules the editor runs on (<c>dist/editor.js</c>, its Monaco half <c>dist/editing.js</c> and the chunks they
/// import), as the ClientApp build lists them in <c>wwwroot/dist/editor.preload.json</c>. The workspace page names them
/// in <c>&lt;link rel="modulepreload"&gt;</c> (Components/App.razor), so the browser fetches and compiles Monaco while
/// Blazor starts, not after the editor mounts.
/// </summary>
public sealed class EditorModules(IWebHostEnvironment environment)
{
    /// <summary>The list's path under wwwroot.</summary>
    public const string ListPath = "dist/editor.preload.json";

    private readonly Lazy<IReadOnlyList<string>> _preload = new(() => Read(environment));

    /// <summary>Paths under wwwroot (<c>dist/editing.js</c>, <c>dist/chunks/chunk-….js</c>), or none without the list.</summary>
    public IReadOnlyList<string> Preload => _preload.Value;

    private static string[] Read(IWebHostEnvironment environment)
    {
        var file = environment.WebRootFileProvider.GetFileInfo(ListPath);
        if (!file.Exists)
        {
            // Only slower without it: the editor imports the same modules when it mounts.
            return [];
        }

        using var stream = file.CreateReadStream();
        return JsonSerializer.Deserialize<string[]>(stream) ?? [];
    }
}
