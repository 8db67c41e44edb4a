# Helpportal application image: the web server (gunicorn), and with another command the Celery
# worker and beat. nginx runs from the official nginx image (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=helpportal.settings

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. Every file is checked against the
# lock's hashes. (The lock also names this project's local wheel mirrors; they do not exist in
# the image, and pip only warns that it ignores them.)
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt

COPY . .

# Static files are collected into /app/staticfiles at build time. The settings refuse to start
# with DEBUG off unless they get a long secret key and ALLOWED_HOSTS, so this one command gets
# throwaway values; they exist only in this RUN step, never in the image's environment.
RUN DEBUG=0 \
    SECRET_KEY=build-only-collectstatic-throwaway-key-not-a-secret-0123456789 \
    ALLOWED_HOSTS=build.invalid \
    REFERRAL_KEYS=YnVpbGQtb25seS10aHJvd2F3YXkta2V5LTAxMjM0NTY= \
    CODENAME_KEY=build-only-throwaway-codename-key-0123456789 \
    python manage.py collectstatic --noinput -v 0

# An unprivileged user, and /srv/static owned by it: docker-compose mounts the empty "static"
# volume there, Docker gives the new volume this directory's owner, and the web service copies
# /app/staticfiles into it at start for nginx to serve.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin helpportal \
 && mkdir -p /srv/static \
 && chown helpportal:helpportal /srv/static
USER helpportal

EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "helpportal.wsgi"]
