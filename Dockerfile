# The base: the public Node.js image by default. Where no public registry is reachable, scripts/setup-image.sh makes
# an equivalent one offline (Debian bookworm + this machine's Node.js) and passes it as BASE.
# Node 20: the version everything is tested on.
ARG BASE=node:20-bookworm-slim

# Build: npm ci with the toolchain better-sqlite3 may need, compile TypeScript, drop dev dependencies and
# better-sqlite3's build tree (only the compiled addon is needed to run).
FROM ${BASE} AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/test_extension.node

# Run: only the compiled code and production dependencies, as the unprivileged `node` user. A container started as root
# (the Swarm stacks do, to learn the Docker socket's group on each node) runs the bot as `node` all the same, with the
# socket's group added: dist/container-entrypoint.js switches before loading anything else.
FROM ${BASE}
ENV NODE_ENV=production \
    PORT=3000 \
    ROLLBACK_CONFIG=/config/rollback.config.yml \
    ROLLBACK_DB=/data/rollback.db
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data /config && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/container-entrypoint.js"]
