"""Settings of the load benchmark only: the product's settings plus the two baseline views.

Never used by the product. ``benchmarks/load/run.py`` starts gunicorn with
``DJANGO_SETTINGS_MODULE=benchmarks.settings``; everything else comes from the environment
exactly as in production (DATABASE_URL, REDIS_URL, DJANGO_DEBUG=false, …).
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls_root"
# Plain http on loopback: no redirect to https. HSTS stays configured; Django only sends it on
# secure requests, so it costs nothing here.
SECURE_SSL_REDIRECT = False
