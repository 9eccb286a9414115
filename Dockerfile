# syntax=docker/dockerfile:1

# Node 24 here as in development (there the `node` dev dependency brings the pinned 24.x). Build
# stage: dev dependencies (that pinned Node too, which the build runs on), compile, then drop them.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json .swcrc ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: production dependencies and compiled code only, as the unprivileged node user.
# Code and dependencies stay owned by root (the service cannot rewrite itself); only DATA_DIR is
# writable. dist/scripts holds the operator commands, e.g. `node dist/scripts/eccaex-signature.js`.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    PORT=3000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# The same V8 flags as `npm run start:prod` (and the benchmarks): a 192 MB old-space heap keeps
# the process near 170-190 MB RSS under load (V8 otherwise grows the heap lazily past 300 MB).
CMD ["node", "--max-old-space-size=192", "--max-semi-space-size=12", "dist/src/main.js"]
