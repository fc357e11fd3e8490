# One image for every service and for the topic-creation job; the compose/k8s command picks
# which one runs: `python -m services.<intake|dispatch|sla|resolution|analytics>` or
# `python -m deploy.local.topics`.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The pinned dependencies first, in their own layer: it is rebuilt when pyproject.toml or
# constraints.txt change, not on every source edit (chdb-core alone is about 500 MB).
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > requirements.txt \
 && pip install -c constraints.txt -r requirements.txt
# The packages of pyproject.toml's [tool.setuptools.packages.find] include list.
COPY contracts ./contracts
COPY runtime ./runtime
COPY services ./services
COPY deploy ./deploy
COPY audit ./audit
RUN pip install -c constraints.txt .

FROM python:3.11-slim
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
