"""Requests through the WSGI application as a WSGI server hands them over: the label answer
cache's front door (config/wsgi.py) sits there, ahead of Django's request handling."""

import json
from urllib.parse import unquote_to_bytes

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse


def wsgi_call(method: str, path: str, body: str = "", **headers) -> tuple[str, dict, bytes]:
    """One request through the WSGI application as a WSGI server hands it over."""
    from config.wsgi import application  # loads the apps' code: only once Django is set up

    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    headers.setdefault("content_type", "application/json")
    environ = RequestFactory().generic(method, path, body, **headers).environ
    # As a WSGI server gives it: the path's bytes as latin-1 (the factory's request decoded it).
    environ["PATH_INFO"] = unquote_to_bytes(path.split("?")[0]).decode("iso-8859-1")
    # As Django's test client does: the test's database connection must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content_iterable = application(environ, start_response)
        try:
            content = b"".join(content_iterable)
        finally:
            getattr(content_iterable, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


def wsgi_get(path: str, **headers) -> tuple[str, dict, bytes]:
    return wsgi_call("GET", path, **headers)


def wsgi_batch(keys, key: str, **headers) -> tuple[str, dict, bytes]:
    return wsgi_call(
        "POST",
        reverse("api-label-batch"),
        json.dumps({"keys": keys}),
        HTTP_X_API_KEY=key,
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )
