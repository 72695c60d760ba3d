# Handrail gateway image: slim, non-root, every dependency pinned by hash, spaCy model baked in.
# opa (pinned) is included so a policy reload runs the policy's own tests before it goes live.
FROM golang:1.26.8-bookworm AS opa
RUN CGO_ENABLED=0 go install github.com/open-policy-agent/opa@v1.22.2

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/handrail \
 && /opt/handrail/bin/pip install --require-hashes --no-deps -r /tmp/requirements.lock
WORKDIR /src
COPY pyproject.toml README.md ./
COPY proxy proxy
COPY detectors detectors
COPY audit audit
RUN /opt/handrail/bin/pip install --no-deps --no-build-isolation .

FROM python:3.11.14-slim-bookworm
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/handrail handrail
COPY --from=build /opt/handrail /opt/handrail
COPY --from=opa /go/bin/opa /usr/local/bin/opa
COPY policies /opt/handrail/policies
ENV PATH=/opt/handrail/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    HANDRAIL_POLICY_PATH=/opt/handrail/policies \
    HANDRAIL_DATABASE_URL=sqlite:////var/lib/handrail/handrail.db
USER handrail
WORKDIR /var/lib/handrail
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
CMD ["handrail", "serve", "--host", "0.0.0.0", "--port", "8080"]
