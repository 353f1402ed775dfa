using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddPrebuildLogChunks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PrebuildLogChunks",
                columns: table => new
                {
                    PrebuildId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Offset = table.Column<long>(type: "INTEGER", nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PrebuildLogChunks", x => new { x.PrebuildId, x.Offset });
                    table.ForeignKey(
                        name: "FK_PrebuildLogChunks_Prebuilds_PrebuildId",
                        column: x => x.PrebuildId,
                        principalTable: "Prebuilds",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PrebuildLogChunks");
        }
    }
}
