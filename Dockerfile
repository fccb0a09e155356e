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

# Dependencies first, in a layer of their own that is rebuilt only when pyproject.toml changes.
# They are read from pyproject.toml because the project itself cannot be built yet: hatch
# needs the code, the migrations and seed.json present to build it.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project: the wheel bundles seed.json and the migrations inside the package.
COPY app/ app/
COPY migrations/ migrations/
COPY seed.json ./
RUN pip install --no-cache-dir --no-deps .

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
