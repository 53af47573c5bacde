# Khung's command line and HTTP service on Debian 12 (deploy/README.md).
#   docker build -t khung .
#   docker run --rm -p 8080:8080 khung
# The package names below are bookworm's (libicu72, libopencv-*406,
# libmicrohttpd12, libpq5): change them with the base image.

# emscripten builds the member page's photo module (bindings/wasm), which
# khung serve embeds: only the build stage needs it.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ make cmake pkg-config \
      libharfbuzz-dev libfreetype-dev libicu-dev libspng-dev nettle-dev \
      libturbojpeg0-dev libjpeg62-turbo-dev libwebp-dev libheif-dev libstb-dev liblcms2-dev \
      libopencv-core-dev libopencv-imgproc-dev libopencv-objdetect-dev \
      nlohmann-json3-dev libmicrohttpd-dev libcli11-dev libqrencode-dev \
      libsqlite3-dev libpq-dev \
      emscripten \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKHUNG_BUILD_PYTHON=OFF -DKHUNG_BUILD_TESTS=OFF \
 && cmake --build build -j2

FROM debian:bookworm-slim
# What the four files load (ldd), libheif1 (opened with dlopen for HEIC; in
# bookworm it carries its decoders) and opencv-data (the face cascade).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libharfbuzz0b libfreetype6 libicu72 libspng0 libnettle8 \
      libturbojpeg0 libjpeg62-turbo libwebp7 libwebpdemux2 libheif1 liblcms2-2 \
      libmicrohttpd12 libqrencode4 libsqlite3-0 libpq5 \
      libopencv-core406 libopencv-imgproc406 libopencv-objdetect406 opencv-data \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 khung \
 && useradd --system --uid 10001 --gid khung --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin khung
# The program and its modules side by side; the fonts and assets beside them.
COPY --from=build /src/build/khung /src/build/khung-serve /src/build/libkhung-cv.so /src/build/libkhung-face.so /opt/khung/
COPY fonts /opt/khung/fonts
COPY assets /opt/khung/assets
ENV KHUNG_DATA_DIR=/opt/khung PATH=/opt/khung:$PATH
USER 10001:10001
EXPOSE 8080
# For `docker run`; Kubernetes uses the probes of deploy/k8s/deployment.yaml.
# No curl in the image: bash's /dev/tcp asks GET /healthz on the default port.
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]
ENTRYPOINT ["khung"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
