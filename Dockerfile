# CloudDetect detection service. Build with scripts/build-image.sh (podman or docker; it makes the base
# image when no registry is reachable and prints the sizes), or by hand:
#   docker build -t clouddetect .                                   target baked: model/default.onnx inside (`npm run model:install` first)
#   docker build --build-arg MODEL_NAME=yolox_nano.onnx -t clouddetect .   another file from model/
#   docker build --target runtime -t clouddetect:runtime .          no model: mount one at /app/model/default.onnx
#   docker build --target loadgen -t clouddetect-loadgen .          the study's load worker + the 128 images (`npm run images:install` first),
#                                                                   for the in-cluster client Job of `--backend kubernetes`
#   docker run -p 8080:8080 clouddetect
# With podman add `--format docker`: the OCI format has no HEALTHCHECK.
# See docs/service.md for every setting, docs/kubernetes.md for the cluster.

ARG BASE_IMAGE=node:20-bookworm-slim

# ---- build: compile each entry point (and what it imports) to JavaScript, so no image needs tsx or TypeScript.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip PUPPETEER_SKIP_DOWNLOAD=1
COPY package.json package-lock.json ./
# npm-ca: an optional extra CA for a TLS-inspecting proxy in front of the npm registry (build-image.sh passes
# NODE_EXTRA_CA_CERTS as `--secret id=npm-ca,src=FILE`); a secret, so it never lands in a layer.
RUN --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi \
 && npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/lib/image-deps.ts ./scripts/lib/
# ==== THE ONE LIST TO EDIT when source folders or entry points move ====
# The source roots tsc may follow imports into (a folder missing here fails the compile, loudly), then one
# compile per image: dist/ for runtime (CMD node service/main.js) and dist-loadgen/ for loadgen (CMD node
# experiments/load/worker.js, also the k8s clientCommand). Each output gets a package.json keeping only the
# dependencies its code imports, for the prune in the deps stages.
COPY service ./service
COPY model ./model
COPY lib ./lib
COPY experiments ./experiments
ARG TSC_FLAGS="--strict --module NodeNext --moduleResolution NodeNext --target ES2022 --esModuleInterop --resolveJsonModule --skipLibCheck --types node --rootDir ."
RUN npx tsc $TSC_FLAGS --outDir dist service/main.ts \
 && npx tsc $TSC_FLAGS --outDir dist-loadgen experiments/load/worker.ts \
 && npx tsx scripts/lib/image-deps.ts package.json dist > dist/package.json \
 && npx tsx scripts/lib/image-deps.ts package.json dist-loadgen > dist-loadgen/package.json
# ==== end of the list ====

# ---- prod: the locked production tree, once for both images (no dev dependencies, no npm cache in any image)
FROM ${BASE_IMAGE} AS prod
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip PUPPETEER_SKIP_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi \
 && npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- deps: what the service imports, with native binaries for this platform only
#      (onnxruntime-node ships macOS, Windows and both Linux architectures: 288 MB, of which linux-x64 is 45 MB)
FROM prod AS deps
COPY --from=build /app/dist/package.json ./package.json
RUN npm prune --omit=dev --offline --no-audit --no-fund \
 && arch="$(node -p process.arch)" \
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -path "*/linux/$arch" -exec rm -rf {} + \
 && find node_modules/@julusian/jpeg-turbo/prebuilds -mindepth 1 -maxdepth 1 ! -name "jpeg-turbo-linux-$arch" -exec rm -rf {} + \
 && ls node_modules/onnxruntime-node/bin/napi-v*/linux/$arch/onnxruntime_binding.node \
 && npm cache clean --force

# ---- deps-loadgen: what the load worker imports (no onnxruntime, no sharp)
FROM prod AS deps-loadgen
COPY --from=build /app/dist-loadgen/package.json ./package.json
RUN npm prune --omit=dev --offline --no-audit --no-fund && npm cache clean --force

# ---- runtime: node, the service's modules, compiled JS; no compiler, no model, not root
FROM ${BASE_IMAGE} AS runtime
# A font so the labels of /api/object_detection_image are drawn as text (librsvg finds it through fontconfig,
# whose /etc/fonts/fonts.conf is in fontconfig-config).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core fontconfig-config && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The heap cap keeps V8 well inside a 512 MiB pod; image buffers live outside it and are bounded by the admission limits.
# The fontconfig cache goes to /tmp, the one writable place under the Deployment's read-only root file system.
# ONNX Runtime (1.29+) would otherwise try to upload telemetry from every replica.
# Two malloc arenas: see REPLICA_RUNTIME_ENV in experiments/deploy/model-env.ts (the backends set the same).
ENV NODE_ENV=production \
    PORT=8080 \
    MODEL_PATH=/app/model/default.onnx \
    NODE_OPTIONS=--max-old-space-size=192 \
    XDG_CACHE_HOME=/tmp/.cache \
    ORT_DISABLE_TELEMETRY=1 \
    MALLOC_ARENA_MAX=2
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec form: node is PID 1 and receives SIGTERM directly, so the drain in service/main.ts runs.
CMD ["node", "service/main.js"]

# ---- loadgen: the load worker that the cluster-location Job runs (reads a LoadJob on stdin, prints the result)
FROM ${BASE_IMAGE} AS loadgen
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps-loadgen /app/node_modules ./node_modules
COPY --from=build /app/dist-loadgen ./
COPY inputfolder/*.jpg ./inputfolder/
USER node
CMD ["node", "experiments/load/worker.js"]

# ---- default target: runtime with the model baked in
FROM runtime AS baked
ARG MODEL_NAME=default.onnx
# The trailing * also copies an optional sidecar (<model>.json) next to the model.
COPY --chown=node:node model/${MODEL_NAME}* ./model/
ENV MODEL_PATH=/app/model/${MODEL_NAME}
