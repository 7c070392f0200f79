# The archive's application image: web server, task worker and CLI in one.
#   docker build -t election-archive .
#   docker run ... election-archive serve --host 0.0.0.0       (see docker-compose.yml)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    OMP_THREAD_LIMIT=1 ARCHIVE_DATA_DIR=/data

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng tesseract-ocr-osd fonts-dejavu-core \
      postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY pyproject.toml README.md ./
COPY archive_app archive_app
COPY ingest ingest
COPY search search
COPY config config
COPY vocabulary vocabulary
RUN pip install --no-build-isolation --no-deps . \
 && useradd --system --uid 10001 --home-dir /data archive \
 && mkdir -p /data && chown archive /data

USER archive
VOLUME ["/data"]
EXPOSE 5000
ENTRYPOINT ["archive"]
CMD ["serve", "--host", "0.0.0.0"]
