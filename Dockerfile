# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the full dependency tree.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace package (@hissuno/widget-guard) is linked by npm ci: its manifest comes first.
COPY packages/widget-guard/package.json ./packages/widget-guard/
RUN npm ci
COPY tsconfig.json tsconfig.build.json tsconfig.web.json nest-cli.json ormconfig.ts ./
COPY packages/widget-guard/tsconfig.build.json ./packages/widget-guard/
COPY packages/widget-guard/src ./packages/widget-guard/src
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and compiled code only, as a non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# node_modules/@hissuno/widget-guard links here: the package's manifest and build.
COPY --from=build --chown=node:node /app/packages/widget-guard/package.json ./packages/widget-guard/
COPY --from=build --chown=node:node /app/packages/widget-guard/dist ./packages/widget-guard/dist
COPY --chown=node:node package.json ./
COPY --chown=node:node public ./public
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
