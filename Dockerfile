# The fact sheet API: one python:3.11-slim stage, run as a non-root user, SQLite on /data.
#   docker build -t factsheet . && docker run -p 8000:8000 -v factsheet-data:/data factsheet
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/factsheet \
        --shell /usr/sbin/nologin factsheet \
    && mkdir /data \
    && chown factsheet:factsheet /data

WORKDIR /src

# Dependencies first, in a layer of their own that is rebuilt only when the lock changes: the
# exact versions CI tested, each checked against its hash (regenerate the lock with the
# command in the README when pyproject.toml's dependencies change).
COPY requirements-runtime.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements-runtime.lock

# Then the project: the wheel bundles seed.json and the migrations inside the package.
COPY pyproject.toml README.md ./
COPY app/ app/
COPY migrations/ migrations/
COPY seed.json ./
# pip check: the locked dependencies satisfy what the project declares.
RUN pip install --no-cache-dir --no-deps . && pip check

ENV FACTSHEET_DATABASE_URL=sqlite:////data/factsheet.db \
    FACTSHEET_HOST=0.0.0.0

VOLUME /data
EXPOSE 8000

# Run from the user's home, not /src, so `python -m app` also imports the installed package.
WORKDIR /home/factsheet
USER factsheet

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FACTSHEET_PORT', '8000'), timeout=4)" || exit 1

CMD ["factsheet", "serve"]
