# aws-mcp in a container: the server, AWS CLI v2, bubblewrap and the filters, running as a non-root user.
# Not built in this repository's CI (that machine has no Docker daemon); see docs/docker.md for how to run it.

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm turbo run build --filter=@aws-mcp/server... \
 && pnpm --filter @aws-mcp/server deploy --legacy --prod /out

FROM node:20-bookworm-slim
ARG TARGETARCH
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap jq gawk sed groff-base less ca-certificates curl unzip \
 && case "$TARGETARCH" in arm64) cli_arch=aarch64 ;; *) cli_arch=x86_64 ;; esac \
 && curl -fsSL "https://awscli.amazonaws.com/awscli-exe-linux-${cli_arch}.zip" -o /tmp/awscliv2.zip \
 && unzip -q /tmp/awscliv2.zip -d /tmp \
 && /tmp/aws/install \
 && rm -rf /tmp/aws /tmp/awscliv2.zip \
 && apt-get purge -y curl unzip && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 mcp
COPY --from=build /out /opt/aws-mcp
USER mcp
WORKDIR /home/mcp
ENV AWS_MCP_WORKDIR=/home/mcp/work
EXPOSE 8000
ENTRYPOINT ["node", "/opt/aws-mcp/dist/index.js"]
