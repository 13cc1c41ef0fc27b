# syntax=docker/dockerfile:1
# Node.js 24 LTS on Debian bookworm (slim), pinned by digest so that every build starts from
# the same base: node:24-bookworm-slim as published for Node.js 24.18.0. Bump the digest on
# purpose (docker buildx imagetools inspect node:24-bookworm-slim), never by accident.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# Build stage: compile TypeScript with the full dependency tree.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace package (@hissuno/widget-guard) is linked by npm ci: its manifest comes first.
COPY packages/widget-guard/package.json ./packages/widget-guard/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.web.json nest-cli.json ormconfig.ts ./
COPY packages/widget-guard/tsconfig.build.json ./packages/widget-guard/
COPY packages/widget-guard/src ./packages/widget-guard/src
COPY src ./src
COPY web ./web
RUN npm run build

# Production dependencies only, installed on their own. --omit=optional as well: typescript is
# an optional peer of @nestjs/swagger (its compiler plugin), which npm would keep otherwise.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/widget-guard/package.json ./packages/widget-guard/
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# Runtime stage: production dependencies and compiled code only (owned by root, read-only to
# the service), run as the unprivileged node user under tini, which forwards signals and reaps.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# node_modules/@hissuno/widget-guard links here: the package's manifest and build.
COPY --from=build /app/packages/widget-guard/package.json ./packages/widget-guard/
COPY --from=build /app/packages/widget-guard/dist ./packages/widget-guard/dist
COPY package.json ./
COPY public ./public
RUN mkdir -p /data && chown node:node /data
# Embedded mode keeps its database and generated secrets here: a volume, never the image.
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
