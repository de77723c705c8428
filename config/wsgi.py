import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# Cached label lookups are answered before Django's request handling (labels/answer_cache.py).
from labels.answer_cache import LabelAnswerCacheWSGI  # noqa: E402  (needs the apps loaded)

application = LabelAnswerCacheWSGI(django_application)
