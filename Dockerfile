# Latchkey on Node 22 LTS. Production settings come from the environment (see README).

# Build stage: every dependency, to compile the TypeScript to dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Fixes to the engine and the store clients, applied by npm's postinstall (patches/README.md).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY examples/demo-rp ./examples/demo-rp
RUN npm run build

# Runtime stage: production dependencies and the compiled output only; runs as `node`.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations ./migrations
COPY views ./views
COPY public ./public
# Data read at run time from the source tree: the bundled AAGUID → authenticator name table.
COPY src/passkeys/aaguid-names ./src/passkeys/aaguid-names
# Only for embedded storage (no DATABASE_URL); owned by the user Latchkey runs as.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
ENV HOST=0.0.0.0 PORT=3000 LATCHKEY_DATA_DIR=/app/data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# The CLI in the same container: docker compose exec latchkey node bin/latchkey.js client list
# 4 MB young-generation semi-spaces instead of 16: less resident at idle and under load,
# and no CPU that paired runs could see now that requests die young (docs/sizing.md
# "Memory"). A node flag (or NODE_OPTIONS): a running process cannot change it.
CMD ["node", "--max-semi-space-size=4", "bin/latchkey.js", "serve"]
