using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddServicePreviews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PreviewShareLinks_WorkspaceId_Port",
                table: "PreviewShareLinks");

            migrationBuilder.DropPrimaryKey(
                name: "PK_PreviewPortSettings",
                table: "PreviewPortSettings");

            migrationBuilder.AddColumn<string>(
                name: "Service",
                table: "PreviewShareLinks",
                type: "TEXT",
                maxLength: 63,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Service",
                table: "PreviewPortSettings",
                type: "TEXT",
                maxLength: 63,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddPrimaryKey(
                name: "PK_PreviewPortSettings",
                table: "PreviewPortSettings",
                columns: new[] { "WorkspaceId", "Service", "Port" });

            migrationBuilder.CreateIndex(
                name: "IX_PreviewShareLinks_WorkspaceId_Service_Port",
                table: "PreviewShareLinks",
                columns: new[] { "WorkspaceId", "Service", "Port" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PreviewShareLinks_WorkspaceId_Service_Port",
                table: "PreviewShareLinks");

            migrationBuilder.DropPrimaryKey(
                name: "PK_PreviewPortSettings",
                table: "PreviewPortSettings");

            migrationBuilder.DropColumn(
                name: "Service",
                table: "PreviewShareLinks");

            migrationBuilder.DropColumn(
                name: "Service",
                table: "PreviewPortSettings");

            migrationBuilder.AddPrimaryKey(
                name: "PK_PreviewPortSettings",
                table: "PreviewPortSettings",
                columns: new[] { "WorkspaceId", "Port" });

            migrationBuilder.CreateIndex(
                name: "IX_PreviewShareLinks_WorkspaceId_Port",
                table: "PreviewShareLinks",
                columns: new[] { "WorkspaceId", "Port" });
        }
    }
}
