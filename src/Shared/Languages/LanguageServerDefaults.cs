namespace Workspaces.Shared.Languages;

/// <summary>
/// The language servers a workspace image usually carries, each found on the workspace's <c>PATH</c>; administrators
/// (<c>Workspaces:Languages:Servers</c>) and repositories (<c>.gitpod.yml</c> <c>languageServers</c>) change rows by name.
/// </summary>
public static class LanguageServerDefaults
{
    public static IReadOnlyList<LanguageServerDefinition> Rows { get; } =
    [
        new("typescript", ["typescript", "javascript"], "typescript-language-server", ["--stdio"],
            "npm install -g typescript-language-server typescript"),
        new("python", ["python"], "pyright-langserver", ["--stdio"], "npm install -g pyright, or pip install pyright"),
        new("go", ["go"], "gopls", [], "go install golang.org/x/tools/gopls@latest"),
        new("rust", ["rust"], "rust-analyzer", [], "rustup component add rust-analyzer"),
        new("c", ["c", "cpp"], "clangd", [], "apt-get install clangd"),
        new("csharp", ["csharp"], "csharp-ls", [], "dotnet tool install -g csharp-ls"),
        new("shell", ["shell"], "bash-language-server", ["start"], "npm install -g bash-language-server"),
        new("yaml", ["yaml"], "yaml-language-server", ["--stdio"], "npm install -g yaml-language-server"),
        new("json", ["json"], "vscode-json-language-server", ["--stdio"], "npm install -g vscode-langservers-extracted"),
        new("html", ["html"], "vscode-html-language-server", ["--stdio"], "npm install -g vscode-langservers-extracted"),
        new("css", ["css", "scss", "less"], "vscode-css-language-server", ["--stdio"], "npm install -g vscode-langservers-extracted"),
    ];

    /// <summary>The languages of the default row of that name (a row that only changes the command keeps them).</summary>
    public static List<string> LanguagesOf(string name) =>
        Rows.FirstOrDefault(r => r.Name == name)?.Languages.ToList() ?? [];
}
