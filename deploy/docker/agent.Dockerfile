# syntax=docker/dockerfile:1
# The agent image: both builds of the workspace agent, for glibc (Debian, Ubuntu, Fedora...) and musl (Alpine, and
# glibc older than the floor in agent-start.sh), and a start script that picks the one the toolchain image can run. A
# workspace pod's init container copies /opt/workspaces/agent into a shared volume; a second init container runs the
# glibc build from here to clone (HTTPS: ca-certificates, and libssl, which libgit2 loads at run time).
#
# Base images are pinned by digest, passed as build arguments without defaults: a build without them fails (an
# invalid image reference), never silently takes whatever a tag points at today. scripts/pin-base-images.sh resolves
# them (it needs registry access) into deploy/docker/base-images.env:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/agent.Dockerfile \
#     $(sed 's/^/--build-arg /' deploy/docker/base-images.env) -t workspaces-agent .
#
# The agent is published as Native AOT (a single native executable plus libgit2's shared library, no .NET runtime
# needed in the toolchain image). Each platform's SDK compiles for its own architecture (TARGETARCH); Native AOT does
# not cross-compile between architectures, so buildx runs the arm64 stages natively or under emulation.

ARG DOTNET_SDK_DIGEST
ARG DOTNET_SDK_ALPINE_DIGEST
ARG DEBIAN_DIGEST

FROM mcr.microsoft.com/dotnet/sdk:10.0@${DOTNET_SDK_DIGEST} AS glibc
ARG TARGETARCH
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Shared/ src/Shared/
COPY src/WorkspaceAgent/ src/WorkspaceAgent/
COPY deploy/docker/agent-start.sh deploy/docker/agent-start.sh
RUN rid="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet publish src/WorkspaceAgent/WorkspaceAgent.csproj -c Release -r "$rid" -o /out --nologo \
 && rm -f /out/*.dbg
# The glibc floor the start script states must hold for what was built (else older toolchain images would fail to load it).
RUN floor="$(sed -n 's/^GLIBC_FLOOR=//p' deploy/docker/agent-start.sh)" \
 && newest="$(objdump -T /out/Workspaces.WorkspaceAgent /out/libgit2-*.so | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)" \
 && [ "$(printf '%s\n%s\n' "$newest" "$floor" | sort -V | tail -1)" = "$floor" ] \
 || { echo "the agent needs GLIBC_$newest, newer than GLIBC_FLOOR=$floor in agent-start.sh" >&2; exit 1; }

FROM mcr.microsoft.com/dotnet/sdk:10.0-alpine@${DOTNET_SDK_ALPINE_DIGEST} AS musl
ARG TARGETARCH
RUN apk add --no-cache clang build-base zlib-dev
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Shared/ src/Shared/
COPY src/WorkspaceAgent/ src/WorkspaceAgent/
RUN rid="linux-musl-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet publish src/WorkspaceAgent/WorkspaceAgent.csproj -c Release -r "$rid" -o /out --nologo \
 && rm -f /out/*.dbg \
 && cp /lib/ld-musl-*.so.1 /out/

FROM debian:bookworm-slim@${DEBIAN_DIGEST}
# ca-certificates: HTTPS clones verify the Git host. libssl3: libgit2 loads OpenSSL at run time (not linked).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=glibc /out/ /opt/workspaces/agent/glibc/
COPY --from=musl /out/ /opt/workspaces/agent/musl/
COPY deploy/docker/agent-start.sh /opt/workspaces/agent/start
RUN chmod 0755 /opt/workspaces/agent/start /opt/workspaces/agent/glibc/Workspaces.WorkspaceAgent /opt/workspaces/agent/musl/Workspaces.WorkspaceAgent
USER 1000:1000
ENTRYPOINT ["/opt/workspaces/agent/start"]
