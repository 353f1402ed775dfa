# syntax=docker/dockerfile:1
# The default workspace image: what a repository gets when it names no image of its own (.gitpod.yml image,
# devcontainer image). Debian with git, build tools, Node.js, Python, the .NET SDK and everyday CLI tools, and
# OpenSSH's server for `workspaces ssh` (the agent runs it per connection with a host key of each workspace's own:
# the image's shared host keys are removed).
# The agent is not in it: each workspace pod copies the agent in from the agent image at start.
#   docker build -f deploy/docker/workspace-default.Dockerfile -t workspace-default .

# Base images by digest (build arguments without defaults: a build without them fails). See agent.Dockerfile and
# scripts/pin-base-images.sh; multi-platform: docker buildx build --platform linux/amd64,linux/arm64 ...
ARG DOTNET_SDK_DIGEST
ARG DEBIAN_TRIXIE_DIGEST

FROM mcr.microsoft.com/dotnet/sdk:10.0@${DOTNET_SDK_DIGEST} AS dotnet

FROM debian:trixie@${DEBIAN_TRIXIE_DIGEST}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      bash ca-certificates curl wget git git-lfs openssh-client openssh-server openssh-sftp-server gnupg \
      build-essential pkg-config cmake make \
      python3 python3-pip python3-venv python-is-python3 \
      nodejs npm \
      jq ripgrep fd-find less nano vim-tiny tmux htop procps lsof iproute2 bind9-dnsutils \
      zip unzip xz-utils tar rsync sqlite3 postgresql-client \
      libicu76 libssl3t64 zlib1g locales tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/ssh/ssh_host_* \
 && sed -i 's/^# *en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen && locale-gen
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/local/bin/dotnet
# The user every workspace runs as (the controller's RunAsUser); its home is in the image, the work in /workspace.
RUN groupadd --gid 1000 workspace \
 && useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash workspace
ENV LANG=en_US.UTF-8 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    NPM_CONFIG_PREFIX=/home/workspace/.npm-global \
    PATH=/home/workspace/.npm-global/bin:/home/workspace/.dotnet/tools:/home/workspace/.local/bin:$PATH
USER 1000:1000
WORKDIR /workspace
CMD ["bash"]
