# CloudDetect detection service.
#   docker build -t clouddetect .                       model/default.onnx baked in (run `npm run model:install` first)
#   docker build --build-arg MODEL_NAME=yolox_nano.onnx -t clouddetect .   another file from model/
#   docker build --target runtime -t clouddetect:nomodel .   no model; mount one at /app/model/default.onnx
#   docker run -p 8080:8080 clouddetect
#   docker build --target loadgen -t clouddetect-loadgen .   the study's load worker + the 128 images (run `npm run images:install` first),
#                                                          for the in-cluster client Job of `--backend kubernetes`
# See docs/service.md for every setting, docs/kubernetes.md for the cluster.

# ---- build: compile the service (and the model code it imports) to JavaScript, so the image needs no tsx or TypeScript
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip PUPPETEER_SKIP_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY service ./service
COPY model ./model
COPY lib ./lib
COPY experiments/load ./experiments/load
COPY experiments/contracts ./experiments/contracts
# Each entry point with only what it imports, into its own folder, so each image carries just its own code.
ARG TSC_FLAGS="--strict --module NodeNext --moduleResolution NodeNext --target ES2022 --esModuleInterop --resolveJsonModule --skipLibCheck --types node --rootDir ."
RUN npx tsc $TSC_FLAGS --outDir dist service/main.ts \
 && npx tsc $TSC_FLAGS --outDir dist-loadgen experiments/load/worker.ts

# ---- deps: production packages only, without the onnxruntime binaries for other operating systems (~220 MB)
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip PUPPETEER_SKIP_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

# ---- runtime: node, production node_modules, compiled JS; no compiler, no npm cache, not root
FROM node:20-bookworm-slim AS runtime
# A font so the labels of /api/object_detection_image are drawn as text (librsvg finds it through fontconfig).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The heap cap keeps V8 well inside a 512 MiB pod; image buffers live outside it and are bounded by the admission limits.
ENV NODE_ENV=production \
    PORT=8080 \
    MODEL_PATH=/app/model/default.onnx \
    NODE_OPTIONS=--max-old-space-size=192
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./
COPY package.json ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec form: node is PID 1 and receives SIGTERM directly, so the drain in service/main.ts runs.
CMD ["node", "service/main.js"]

# ---- loadgen: the load worker that the cluster-location Job runs (reads a LoadJob on stdin, prints the result)
FROM node:20-bookworm-slim AS loadgen
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist-loadgen ./
COPY package.json ./
COPY inputfolder/*.jpg ./inputfolder/
USER node
CMD ["node", "experiments/load/worker.js"]

# ---- default target: runtime with the model baked in
FROM runtime AS baked
ARG MODEL_NAME=default.onnx
# The trailing * also copies an optional sidecar (<model>.json) next to the model.
COPY --chown=node:node model/${MODEL_NAME}* ./model/
ENV MODEL_PATH=/app/model/${MODEL_NAME}
