# The newsworker application image: worker, beat and API all run from it with different commands.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY worker ./worker
COPY config ./config
RUN pip install . && useradd --system --uid 10001 newsworker && mkdir -p /app/.data && chown newsworker /app/.data
USER newsworker
EXPOSE 8000
CMD ["newsworker", "api", "--host", "0.0.0.0", "--port", "8000"]
