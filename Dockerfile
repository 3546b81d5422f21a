# classpulse as a background service. Config comes from a mounted file
# (CLASSPULSE_CONFIG) and the environment; secrets from the environment or mounted files.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY connector ./connector
COPY sync ./sync
COPY jobs ./jobs
COPY config ./config
COPY migrations ./migrations
RUN pip install --no-cache-dir --upgrade pip \
 && pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 classpulse
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER classpulse
WORKDIR /home/classpulse
ENV CLASSPULSE_CONFIG=/etc/classpulse/classpulse.yaml \
    PYTHONUNBUFFERED=1
# Migrations run on start, then the daily pipeline (sync, check, notify).
ENTRYPOINT ["/bin/sh", "-c", "classpulse db upgrade && exec classpulse \"$@\"", "--"]
CMD ["run"]
