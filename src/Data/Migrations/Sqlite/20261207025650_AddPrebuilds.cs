using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddPrebuilds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Prebuilds",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ProjectId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Branch = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Commit = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Trigger = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Message = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    Storage = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Prebuilds", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Prebuilds_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ProjectPrebuildSettings",
                columns: table => new
                {
                    ProjectId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    BranchPatterns = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    EveryNthCommit = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxCommitsBehind = table.Column<int>(type: "INTEGER", nullable: false),
                    KeepPerBranch = table.Column<int>(type: "INTEGER", nullable: false),
                    PendingCommits = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    ProtectedWebhookSecret = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ProjectPrebuildSettings", x => x.ProjectId);
                    table.ForeignKey(
                        name: "FK_ProjectPrebuildSettings_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "WebhookDeliveries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DeliveryId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebhookDeliveries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WebhookDeliveries_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Prebuilds_ProjectId_Branch_CreatedAt",
                table: "Prebuilds",
                columns: new[] { "ProjectId", "Branch", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Prebuilds_Status",
                table: "Prebuilds",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookDeliveries_ProjectId_DeliveryId",
                table: "WebhookDeliveries",
                columns: new[] { "ProjectId", "DeliveryId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WebhookDeliveries_ReceivedAt",
                table: "WebhookDeliveries",
                column: "ReceivedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Prebuilds");

            migrationBuilder.DropTable(
                name: "ProjectPrebuildSettings");

            migrationBuilder.DropTable(
                name: "WebhookDeliveries");
        }
    }
}
