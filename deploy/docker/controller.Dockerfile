# syntax=docker/dockerfile:1
# The Kubernetes controller (src/WorkspaceController.Host). Build from the repository root:
#   docker build -f deploy/docker/controller.Dockerfile -t workspaces-controller .

# Base images by digest (build arguments without defaults: a build without them fails). See agent.Dockerfile and
# scripts/pin-base-images.sh; multi-platform: docker buildx build --platform linux/amd64,linux/arm64 ...
ARG DOTNET_SDK_DIGEST
ARG DOTNET_ASPNET_DIGEST

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0@${DOTNET_SDK_DIGEST} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Shared/ src/Shared/
COPY src/WorkspaceController/ src/WorkspaceController/
COPY src/WorkspaceController.Host/ src/WorkspaceController.Host/
RUN dotnet publish src/WorkspaceController.Host/WorkspaceController.Host.csproj -c Release -o /out --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0@${DOTNET_ASPNET_DIGEST}
WORKDIR /app
COPY --from=build /out ./
USER 1654
ENV ASPNETCORE_HTTP_PORTS=8080 DOTNET_NOLOGO=1
EXPOSE 8080
ENTRYPOINT ["dotnet", "Workspaces.WorkspaceController.Host.dll"]
