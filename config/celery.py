"""The Celery application.

In the embedded default (no REDIS_URL) tasks run in-process (eager); with REDIS_URL they go to
Redis and real workers (`celery -A config worker`).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("carbonlabel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
