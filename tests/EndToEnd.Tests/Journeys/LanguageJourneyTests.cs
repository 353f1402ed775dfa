using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// Language intelligence in the workbench, from the real servers on PATH (./test.sh installs typescript-language-server
/// and pyright): a squiggle and a Problems entry, a quick fix, hover, go to definition in another file, a rename saved in
/// both files, a pyright diagnostic, the server's state in the status bar, and one clear message for a missing server.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LanguageJourneyTests(ChromiumFixture chromium) : SignedInJourney("ada@example.com")
{
    // A language server's first answer on a busy 2-core machine: typescript-language-server loads tsserver, pyright its stubs.
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 180_000 };

    [Fact]
    public async Task Editor_TypeScriptAndPython_GetDiagnosticsFixesHoverDefinitionAndRename()
    {
        var repository = await Repositories.CreateAsync("tools/calc", new GitRepositoryBuilder()
            .WithFile("src/util.ts", "export function add(a: number, b: number): number {\n  return a + b;\n}\n")
            .WithFile("src/main.ts", "import { add } from './util';\n\nconst total = add(1, 2);\nconsole.log(total);\n")
            .WithFile("src/fix.ts", "const value = 1;\nconsole.log(valu);\n")
            .WithFile("tool.py", "count: int = \"three\"\n")
            .WithFile("run.sh", "echo hello\n")
            .WithFile(".gitpod.yml", "languageServers:\n  shell:\n    command: no-such-language-server\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        var workspaceId = page.Url.TrimEnd('/').Split('/')[^1];
        var checkout = Path.Combine(App.WorkspaceDirectory(workspaceId), "calc");
        var editor = page.Locator(".ide-editor:not(.ide-diff)");
        var server = page.Locator("[data-status='language-server']");

        // A misspelt name: a squiggle from typescript-language-server, a Problems entry, the count in the status bar,
        // and the server shown as ready.
        await page.Locator(".tree-row[data-path='src']").ClickAsync();
        await page.Locator(".tree-row[data-path='src/fix.ts']").ClickAsync();
        await Expect(editor.Locator(".squiggly-error").First).ToBeVisibleAsync(Slow);
        await Expect(server).ToHaveTextAsync("{ } ready");
        await WorkbenchPage.ShowPanelAsync(page, "Problems");
        var problem = page.Locator(".problem[data-path='src/fix.ts']");
        await Expect(problem).ToContainTextAsync("Cannot find name 'valu'");
        await Expect(problem).ToContainTextAsync("[Ln 2, Col 13]");
        await Expect(page.Locator("[data-status='problems']")).ToHaveAttributeAsync("data-errors", "1");

        // Its quick fix (Ctrl+.), applied and saved: the squiggle and the Problems entry go.
        await PlaceCursorAsync(page, "console.log(valu", 13);
        await page.Keyboard.PressAsync("Control+.");
        var fix = page.Locator(".action-widget").GetByText("Change spelling to 'value'");
        await Expect(fix).ToBeVisibleAsync(Slow);
        await fix.ClickAsync();
        await Expect(editor.Locator(".view-lines")).ToContainTextAsync("console.log(value);");
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        Assert.Equal("const value = 1;\nconsole.log(value);\n", await File.ReadAllTextAsync(Path.Combine(checkout, "src", "fix.ts")));
        await Expect(problem).ToHaveCountAsync(0, new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-status='problems']")).ToHaveAttributeAsync("data-errors", "0");

        // Hover shows the type (Ctrl+K Ctrl+I, as in VS Code).
        await page.Locator(".tree-row[data-path='src/main.ts']").ClickAsync();
        await Expect(editor.Locator(".view-lines")).ToContainTextAsync("const total = add(1, 2);");
        await PlaceCursorAsync(page, "const total", 8);
        await page.Keyboard.PressAsync("Control+k");
        await page.Keyboard.PressAsync("Control+i");
        await Expect(page.Locator(".monaco-hover").Filter(new() { HasText = "const total: number" })).ToBeVisibleAsync(Slow);
        await page.Keyboard.PressAsync("Escape");

        // Go to definition (F12) opens the other file.
        await PlaceCursorAsync(page, "const total", 15);
        await page.Keyboard.PressAsync("F12");
        await Expect(page.Locator(".ide-tab.active")).ToHaveAttributeAsync("data-path", "src/util.ts", new() { Timeout = 30_000 });
        await Expect(editor.Locator(".view-lines")).ToContainTextAsync("export function add(");

        // Rename (F2) in util.ts changes and saves both files.
        await PlaceCursorAsync(page, "export function add", 17);
        await page.Keyboard.PressAsync("F2");
        var rename = page.Locator(".rename-box input.rename-input");
        await Expect(rename).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+a");
        await page.Keyboard.TypeAsync("sum");
        await page.Keyboard.PressAsync("Enter");
        await Poll(() => File.ReadAllText(Path.Combine(checkout, "src", "main.ts")).Contains("const total = sum(1, 2);", StringComparison.Ordinal), "main.ts renamed on disk");
        Assert.Equal("import { sum } from './util';\n\nconst total = sum(1, 2);\nconsole.log(total);\n", await File.ReadAllTextAsync(Path.Combine(checkout, "src", "main.ts")));
        Assert.StartsWith("export function sum(a: number, b: number): number {", await File.ReadAllTextAsync(Path.Combine(checkout, "src", "util.ts")), StringComparison.Ordinal);
        await Expect(editor.Locator(".view-lines")).ToContainTextAsync("export function sum(");
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(page, "languages-typescript");

        // Python: pyright's diagnostic, in the editor and in Problems.
        await page.Locator(".tree-row[data-path='tool.py']").ClickAsync();
        await Expect(editor.Locator(".squiggly-error").First).ToBeVisibleAsync(Slow);
        await Expect(page.Locator(".problem[data-path='tool.py']")).ToContainTextAsync("is not assignable to declared type \"int\"");
        await Expect(server).ToHaveTextAsync("{ } ready");
        await Screenshots.TakeAsync(page, "languages-python");

        // A server that is not installed (the repository names one): the status bar says so, and Output says once what to do.
        await page.Locator(".tree-row[data-path='run.sh']").ClickAsync();
        await Expect(server).ToHaveTextAsync("{ } missing", new() { Timeout = 60_000 });
        await Expect(server).ToHaveAttributeAsync("title", new Regex("\"no-such-language-server\" is not on the workspace's PATH"));
        await WorkbenchPage.ShowPanelAsync(page, "Output");
        await page.Locator(".output-channel").SelectOptionAsync("Language servers");
        var output = page.Locator(".output-text");
        await Expect(output).ToContainTextAsync("\"no-such-language-server\" is not on the workspace's PATH");
        Assert.Single(Regex.Matches(await output.InnerTextAsync(), "no-such-language-server\" is not on"));
        Assert.Empty(pageErrors);
    }

    /// <summary>Puts the cursor on a line (found by its text) after <paramref name="characters"/> characters.</summary>
    private static async Task PlaceCursorAsync(IPage page, string lineText, int characters)
    {
        await page.Locator(".ide-editor .view-line").Filter(new() { HasText = lineText }).ClickAsync();
        await page.Keyboard.PressAsync("Home");
        for (var i = 0; i < characters; i++)
        {
            await page.Keyboard.PressAsync("ArrowRight");
        }
    }

    private static Task Poll(Func<bool> condition, string what) =>
        Workspaces.TestSupport.Waiting.Poll.UntilAsync(condition, TimeSpan.FromSeconds(60), what);
}
