# Builds and runs the app against DATABASE_URL: type-checked, bundled with esbuild (`npm run build`),
# and run by plain Node from dist/ (no TypeScript loader in production: less memory, faster start).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the postinstall patch of Hono's JSX renderer (patches/hono-jsx-props.mjs).
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck && npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/dist ./dist
COPY --from=build /app/static ./static
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# One process; for several on this machine use dist/cluster.js (WEB_CONCURRENCY), or run more containers.
# Jobs in a container of their own: JOBS_PROCESS=true here, and the same image with dist/jobs-process.js (README, "Several instances").
CMD ["node", "--max-old-space-size=192", "--enable-source-maps", "dist/server.js"]
