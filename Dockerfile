# One image for the four services; docker-compose.yml picks the entry point per service.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY sdks/browser/package.json sdks/browser/
COPY sdks/node/package.json sdks/node/
COPY apps/console/package.json apps/console/
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The services' runtime settings, as libs/services/src/service-catalogue.ts defines them for npm start
# and the bench (its spec checks this line): a 2 × 16 MiB young generation and two malloc arenas.
ENV NODE_OPTIONS="--max-semi-space-size=16" MALLOC_ARENA_MAX=2
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The gateway serves the browser SDK's bundle (/js/tracking.js) and names its URL by the package's version.
COPY --from=build /app/sdks/browser/package.json ./sdks/browser/
COPY --from=build /app/sdks/browser/dist ./sdks/browser/dist
# The console's built pages, served by the gateway at /console/.
COPY --from=build /app/apps/console/dist ./apps/console/dist
COPY schemas ./schemas
COPY example-customers ./example-customers
USER node
CMD ["node", "dist/apps/gateway/src/main.js"]
