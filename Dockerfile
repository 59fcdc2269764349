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
# Debian's awscli package is AWS CLI v2 installed as Python (2.9 on bookworm): the server reads its argument tables,
# masks secrets inside the CLI and can keep it warm, none of which works with the frozen binary of AWS's installer.
# apt checks every package against the Debian archive's signing keys, so no download is trusted unchecked.
RUN apt-get update \
 && apt-get install -y --no-install-recommends awscli bubblewrap jq gawk sed groff-base less ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -c "import awscli.clidriver" \
 && aws --version
RUN useradd --create-home --uid 10001 mcp
COPY --from=build /out /opt/aws-mcp
USER mcp
WORKDIR /home/mcp
ENV AWS_MCP_WORKDIR=/home/mcp/work
EXPOSE 8000
# Over HTTP the container is healthy while /healthz answers; over stdio there is nothing to probe (the client owns
# the process), so the check passes. The Host it sends, 127.0.0.1:PORT, must be in AWS_MCP_ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const t=process.env.AWS_MCP_TRANSPORT||'stdio';if(t==='stdio')process.exit(0);fetch('http://127.0.0.1:'+(process.env.AWS_MCP_PORT||'8000')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/opt/aws-mcp/dist/index.js"]
