# classpulse as a long-running service (`classpulse serve`): syncs, checks and sends on the
# school's rhythm. Config comes from a mounted file (CLASSPULSE_CONFIG) and the environment
# (CLASSPULSE__SECTION__KEY); secrets from environment variables or mounted files
# (/run/secrets/...), never from the image. tests/ops/test_install.py runs this file's
# RUN, HEALTHCHECK and ENTRYPOINT commands in a clean venv, so keep them plain shell.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLASSPULSE_CONFIG=/etc/classpulse/classpulse.yaml

# A numeric uid, so orchestrators can check runAsNonRoot without reading /etc/passwd.
RUN groupadd --gid 10001 classpulse \
 && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin classpulse \
 && mkdir -p /etc/classpulse /var/lib/classpulse \
 && chown 10001:10001 /var/lib/classpulse

WORKDIR /src
# Dependencies first, from the lock (fully pinned): a code change reuses this layer.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY connector ./connector
COPY sync ./sync
COPY jobs ./jobs
COPY config ./config
COPY migrations ./migrations
# The app itself adds no dependency the lock does not pin.
RUN pip install --no-deps . && rm -rf /src/build

USER 10001:10001
WORKDIR /var/lib/classpulse
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CLASSPULSE__SERVER__PORT', '8080') + '/healthz', timeout=4)"]

# Migrations run on start (idempotent; a no-op at head), then the service. `exec` makes
# classpulse replace the shell as PID 1, so SIGTERM from the orchestrator reaches it.
ENTRYPOINT ["/bin/sh", "-c", "classpulse db upgrade && exec classpulse \"$@\"", "--"]
CMD ["serve"]
