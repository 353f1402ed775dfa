using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// Language intelligence in the browser, from the real servers on PATH (./test.sh installs typescript-language-server
/// and pyright): a squiggle, a quick fix, hover, go to definition in another file, a rename saved in both files, and a
/// pyright diagnostic.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LanguageJourneyTests(ChromiumFixture chromium) : SignedInJourney("ada@example.com")
{
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 180_000 };

    [Fact]
    public async Task Editor_TypeScriptAndPython_GetDiagnosticsFixesHoverDefinitionAndRename()
    {
        var repository = await Repositories.CreateAsync("tools/calc", new GitRepositoryBuilder()
            .WithFile("src/util.ts", "export function add(a: number, b: number): number {\n  return a + b;\n}\n")
            .WithFile("src/main.ts", "import { add } from './util';\n\nconst total = add(1, 2);\nconst label: string = total;\nconsole.log(label);\n")
            .WithFile("src/fix.ts", "const value = 1;\nconsole.log(valu);\n")
            .WithFile("tool.py", "count: int = \"three\"\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await page.Locator("#repository-url").FillAsync(repository.FileUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "New workspace" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your workspace is ready" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var workspaceId = page.Url.TrimEnd('/').Split('/')[^1];
        var checkout = Path.Combine(App.WorkspaceDirectory(workspaceId), "calc");
        var editor = page.Locator(".ide-editor");

        // A type error gets a squiggle from typescript-language-server.
        await page.Locator(".tree-row[data-path='src']").ClickAsync();
        await page.Locator(".tree-row[data-path='src/main.ts']").ClickAsync();
        await Expect(editor.Locator(".squiggly-error").First).ToBeVisibleAsync(Slow);

        // Hover shows the type (Ctrl+K Ctrl+I, as in VS Code).
        await PlaceCursorAsync(page, "const total", 15);
        await page.Keyboard.PressAsync("Control+k");
        await page.Keyboard.PressAsync("Control+i");
        await Expect(page.Locator(".monaco-hover").Filter(new() { HasText = "function add(a: number, b: number): number" })).ToBeVisibleAsync(Slow);

        // Go to definition opens the other file.
        await PlaceCursorAsync(page, "const total", 15);
        await page.Keyboard.PressAsync("F12");
        await Expect(page.Locator(".ide-tab.active")).ToHaveAttributeAsync("data-path", "src/util.ts", new() { Timeout = 30_000 });

        // Rename in util.ts changes and saves both files.
        await PlaceCursorAsync(page, "export function add", 17);
        await page.Keyboard.PressAsync("F2");
        await page.Keyboard.PressAsync("Control+a");
        await page.Keyboard.TypeAsync("sum");
        await page.Keyboard.PressAsync("Enter");
        await Poll(() => File.ReadAllText(Path.Combine(checkout, "src", "main.ts")).Contains("import { sum } from './util'", StringComparison.Ordinal), "main.ts renamed on disk");
        Assert.Contains("export function sum(", await File.ReadAllTextAsync(Path.Combine(checkout, "src", "util.ts")), StringComparison.Ordinal);
        Assert.Contains("const total = sum(1, 2);", await File.ReadAllTextAsync(Path.Combine(checkout, "src", "main.ts")), StringComparison.Ordinal);
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0);

        // A quick fix for a misspelt name.
        await page.Locator(".tree-row[data-path='src/fix.ts']").ClickAsync();
        await Expect(editor.Locator(".squiggly-error").First).ToBeVisibleAsync(Slow);
        await PlaceCursorAsync(page, "console.log(valu", 13);
        await page.Keyboard.PressAsync("Control+.");
        var fix = page.Locator(".action-widget").GetByText("Change spelling to 'value'");
        await Expect(fix).ToBeVisibleAsync(Slow);
        await fix.ClickAsync();
        await Expect(editor.Locator(".view-lines")).ToContainTextAsync("console.log(value);");
        await page.Keyboard.PressAsync("Control+s");
        await Poll(() => File.ReadAllText(Path.Combine(checkout, "src", "fix.ts")).Contains("console.log(value);", StringComparison.Ordinal), "the fix saved");
        await Screenshots.TakeAsync(page, "languages-typescript");

        // Python: pyright's diagnostic.
        await page.Locator(".tree-row[data-path='tool.py']").ClickAsync();
        await Expect(editor.Locator(".squiggly-error").First).ToBeVisibleAsync(Slow);
        await Screenshots.TakeAsync(page, "languages-python");
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

    private static async Task Poll(Func<bool> condition, string what)
    {
        await Workspaces.TestSupport.Waiting.Poll.UntilAsync(condition, TimeSpan.FromSeconds(180), what);
    }
}
