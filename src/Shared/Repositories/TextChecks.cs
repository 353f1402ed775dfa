using System.Globalization;
using System.Text;

namespace Workspaces.Shared.Repositories;

internal static class TextChecks
{
    /// <summary>
    /// The index of the first character a pasted URL or ref must not contain: white space, a control character, an
    /// invisible formatting character (bidirectional overrides and zero-width characters can make a URL look like
    /// another), or half of a surrogate pair. -1 when there is none.
    /// </summary>
    public static int IndexOfInvisible(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune)
                || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return i;
            }

            i += consumed - 1;
        }

        return -1;
    }
}
