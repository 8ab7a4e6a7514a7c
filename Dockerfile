# rebalance-lab: the CLI in a container, for sweeps on Kubernetes (deploy/k8s) or anywhere.
#
#   docker build -t rebalance-lab:0.1.0 .
#   docker run --rm -v "$PWD/reports:/results" rebalance-lab:0.1.0 \
#     run experiments/sixty-forty.ts --out /results
#
# The image holds the shipped data/ and experiments/; mount your own at /app/data or
# /app/experiments (or anywhere, and pass the path). Results go to --out (mount a volume).

# --- build: install everything, compile TypeScript, then drop the dev dependencies ----------
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; esbuild (used by tsx
# to import .ts experiments) is rebuilt explicitly so its platform binary is checked.
RUN npm ci --ignore-scripts && npm rebuild esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# the SIMD kernel: AssemblyScript sources and the generator of its unrolled loops
COPY assembly ./assembly
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# --- runtime: node, the production dependencies, the compiled CLI, data and experiments ------
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
COPY bin ./bin
COPY data ./data
COPY experiments ./experiments
# run as the unprivileged user of the node image; /results must be writable by uid 1000
RUN mkdir -p /results && chown node:node /results
USER node
ENTRYPOINT ["node", "/app/bin/rebalance-lab.js"]
CMD ["--help"]
