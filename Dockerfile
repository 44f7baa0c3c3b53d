# The gateway with its embedded SQLite store. Data lives in /data (mount a volume there).
FROM node:20-bookworm-slim

# better-sqlite3 compiles its native binding with node-gyp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
COPY gateway/package.json gateway/
COPY portal/package.json portal/
COPY shared/package.json shared/
COPY test/package.json test/
RUN npm ci

# The portal is built into the image (vite is a build-time tool), then the build tools are dropped.
COPY . .
RUN npm run build -w portal && npm prune --omit=dev
RUN mkdir -p /data && chown node:node /data
USER node

ENV HOST=0.0.0.0 PORT=8080 DATABASE_URL=file:/data/portico.db PORTAL_BUILD=skip
EXPOSE 8080
CMD ["npm", "start"]
