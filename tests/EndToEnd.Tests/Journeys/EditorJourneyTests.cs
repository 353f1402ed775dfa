using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>The editor in the browser: a file opened from the tree, typed into, saved with Ctrl+S, reloaded when it changes on disk, and what it says when the file on disk goes away or cannot be read.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EditorJourneyTests(ChromiumFixture chromium) : SignedInJourney("grace@example.com")
{
    [Fact]
    public async Task Editor_OpenTypeSaveThenChangedOnDisk_SavesToDiskAndReloads()
    {
        var repository = await Repositories.CreateAsync("tools/notes", new GitRepositoryBuilder()
            .WithFile("README.md", "# Notes\n")
            .WithFile("docs/guide.txt", "first line\r\nsecond line\r\n")
            .WithFile("package.json", "{ \"name\": \"notes\" }\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await page.Locator("#repository-url").FillAsync(repository.FileUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "New workspace" }).ClickAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page);
        var workspaceId = page.Url.TrimEnd('/').Split('/')[^1];
        var file = Path.Combine(App.WorkspaceDirectory(workspaceId), "notes", "docs", "guide.txt");

        // Open a file from the tree: the folder loads when opened.
        await page.Locator(".tree-row[data-path='docs']").ClickAsync();
        await page.Locator(".tree-row[data-path='docs/guide.txt']").ClickAsync();
        var lines = page.Locator(".ide-editor .view-lines");
        await Expect(lines).ToContainTextAsync("second line", new() { Timeout = 15_000 });
        await Expect(page.Locator("[data-status='eol']")).ToHaveTextAsync("CRLF");
        await Expect(page.Locator("[data-status='encoding']")).ToHaveTextAsync("UTF-8");

        // Type and save with Ctrl+S: the tab is dirty until the file on disk has the change, CRLF kept.
        await page.Locator(".ide-editor .view-lines").ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("typed in the browser");
        await Expect(page.Locator(".ide-tab.dirty[data-path='docs/guide.txt']")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        Assert.Equal("first line\r\nsecond line\r\ntyped in the browser", await File.ReadAllTextAsync(file));
        await Screenshots.TakeAsync(page, "editor");

        // A change made elsewhere (a terminal, a formatter) reaches the clean editor by itself.
        await File.WriteAllTextAsync(file, "rewritten by a formatter\r\n");
        await Expect(lines).ToContainTextAsync("rewritten by a formatter", new() { Timeout = 5_000 });
        await Expect(lines).Not.ToContainTextAsync("typed in the browser");

        // A dirty editor is not overwritten: it says the file changed and offers to compare.
        await page.Locator(".ide-editor .view-lines").ClickAsync();
        await page.Keyboard.TypeAsync("mine ");
        await File.WriteAllTextAsync(file, "theirs\r\n");
        await Expect(page.Locator(".ide-banner[data-kind='conflict']")).ToContainTextAsync("changed on disk", new() { Timeout = 5_000 });
        await page.Keyboard.PressAsync("Control+s");
        Assert.Equal("theirs\r\n", await File.ReadAllTextAsync(file));
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await Expect(page.Locator(".ide-diff .monaco-diff-editor")).ToBeVisibleAsync();

        // Quick open (Ctrl+P) and search across files (Ctrl+Shift+F) open files; a JSON file starts Monaco's JSON worker.
        await page.Keyboard.PressAsync("Control+p");
        await page.Locator(".quick-open-input").FillAsync("pkgjson");
        await Expect(page.Locator(".quick-open-item.selected")).ToHaveAttributeAsync("data-path", "package.json");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".ide-tab.active")).ToHaveAttributeAsync("data-path", "package.json");
        await Expect(page.Locator("[data-status='language']")).ToHaveTextAsync("JSON");
        await page.Keyboard.PressAsync("Control+Shift+f");
        await page.Locator(".search-query").FillAsync("Notes");
        await page.Locator(".search-match[data-path='README.md']").ClickAsync();
        await Expect(page.Locator(".ide-tab.active")).ToHaveAttributeAsync("data-path", "README.md");
        await Expect(page.Locator("[data-status='position']")).ToHaveTextAsync("Ln 1, Col 8");
        Assert.Empty(pageErrors);

        // The dashboard knows about the unsaved work, and so does the delete confirmation.
        await page.GotoAsync("/");
        var row = page.Locator($"tr[data-workspace='{workspaceId}']");
        await Expect(row.Locator("[data-git-work]")).ToHaveTextAsync("1 uncommitted change", new() { Timeout = 15_000 });
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.Locator(".modal [data-git-work]")).ToContainTextAsync("1 uncommitted change");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
    }

    [Fact]
    public async Task Editor_FileReplacedByAFolderThenDeleted_SaysWhichAndKeepsTheUnsavedText()
    {
        var repository = await Repositories.CreateAsync("tools/notes", new GitRepositoryBuilder()
            .WithFile("README.md", "# Notes\n")
            .WithFile("docs/guide.txt", "first line\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        var workspaceId = page.Url.TrimEnd('/').Split('/')[^1];
        var file = Path.Combine(App.WorkspaceDirectory(workspaceId), "notes", "docs", "guide.txt");
        await page.Locator(".tree-row[data-path='docs']").ClickAsync();
        await page.Locator(".tree-row[data-path='docs/guide.txt']").ClickAsync();
        var lines = page.Locator(".ide-editor .view-lines");
        await Expect(lines).ToContainTextAsync("first line", new() { Timeout = 15_000 });
        await lines.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("not saved yet");
        await Expect(page.Locator(".ide-tab.dirty[data-path='docs/guide.txt']")).ToBeVisibleAsync();

        // Something is there that cannot be read as the file: not "deleted" (saving would not create it), but why.
        File.Delete(file);
        Directory.CreateDirectory(file);
        var banner = page.Locator(".ide-banner");
        await Expect(banner).ToHaveAttributeAsync("data-kind", "unreadable", new() { Timeout = 10_000 });
        await Expect(banner).ToContainTextAsync("guide.txt cannot be read from disk: 'docs/guide.txt' is a folder.");
        await Expect(banner).ToContainTextAsync("Your text stays here.");
        await Expect(banner).Not.ToContainTextAsync("deleted");
        await Expect(lines).ToContainTextAsync("not saved yet");

        // Gone for real: then it was deleted, and saving creates it again with the text kept in the editor.
        Directory.Delete(file);
        await Expect(banner).ToHaveAttributeAsync("data-kind", "deleted", new() { Timeout = 10_000 });
        await Expect(banner).ToContainTextAsync("guide.txt was deleted on disk. Saving creates it again.");
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        Assert.Equal("first line\nnot saved yet", await File.ReadAllTextAsync(file));
    }
}
