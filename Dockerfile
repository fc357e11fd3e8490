# One image for every service and for the topic-creation job; the compose/k8s command picks
# which one runs: `python -m services.<intake|dispatch|sla|resolution|analytics>` or
# `python -m deploy.local.topics`.
#
# EXTRAS chooses the dependencies (pyproject.toml's extras): `services` (the default) has every
# service's, against a ClickHouse server: no chDB, no honcho. A lean image of one service:
#   docker build --build-arg EXTRAS=dispatch -t complaint-platform-dispatch .
#
# The base image is the tag, not yet a digest: no registry could be asked for the digest where
# this was written. Pin it where one can:
#   docker buildx imagetools inspect python:3.11-slim   ->   FROM python:3.11-slim@sha256:<digest>

FROM python:3.11-slim AS build
ARG EXTRAS=services
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The pinned dependencies first, in their own layer: it is rebuilt when pyproject.toml or
# constraints.txt change, not on every source edit (scikit-learn with numpy and scipy is most of it).
COPY pyproject.toml constraints.txt ./
COPY deploy/requirements.py ./deploy/requirements.py
RUN python deploy/requirements.py "$EXTRAS" > requirements.txt \
 && pip install -c constraints.txt -r requirements.txt
# The packages of pyproject.toml's [tool.setuptools.packages.find] include list.
COPY contracts ./contracts
COPY runtime ./runtime
COPY services ./services
COPY deploy ./deploy
COPY audit ./audit
RUN pip install -c constraints.txt ".[$EXTRAS]"

FROM python:3.11-slim
ARG EXTRAS=services
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
# OCI image annotations: what this is, which commit, when (set REVISION and CREATED at build:
#   --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%FT%TZ)).
LABEL org.opencontainers.image.title="complaint-platform" \
      org.opencontainers.image.description="Event-sourced customer complaint platform: intake, dispatch, SLA, resolution, analytics, audit." \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.created="$CREATED" \
      io.complaint-platform.extras="$EXTRAS"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HTTP_HOST=0.0.0.0 \
    DATA_DIR=/var/lib/complaints
# Numeric uid/gid so that Kubernetes' runAsNonRoot can verify the user without /etc/passwd.
# The two directories belong to it, so named volumes mounted there (compose) are its too.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin app \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/complaints \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/complaints-auth
COPY --from=build /opt/venv /opt/venv
# An empty, root-owned working directory: nothing on the import path but the installed packages.
WORKDIR /app
USER 10001:10001
EXPOSE 8001 8002 8003 8004 8005
# No default service: say how to choose one instead of starting one by surprise.
CMD ["python", "-c", "import sys; sys.exit('choose what to run: python -m services.<intake|dispatch|sla|resolution|analytics>, or python -m deploy.local.topics')"]
