"""A problem's title is the same for every occurrence of its kind (RFC 9457 §3.1.3), in each
language: what varies (the method, the media type) is in the detail."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("en", "Method not allowed.", 'Method "GET" not allowed.'),
        ("zh-hans", "方法不被允许。", "方法 “GET” 不被允许。"),
    ],
)
def test_a_method_not_allowed_has_a_title_without_placeholders(language, title, detail) -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE=language).get(TOKEN)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://carbonlabel.example/problems/method_not_allowed",
        "title": title,
        "status": 405,
        "detail": detail,
        "code": "method_not_allowed",
    }


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("en", "Unsupported media type.", 'Unsupported media type "text/plain" in request.'),
        ("zh-hans", "不支持的媒体类型。", "不支持请求中的媒体类型 “text/plain”。"),
    ],
)
def test_an_unsupported_media_type_has_a_title_without_placeholders(
    language, title, detail
) -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE=language).post(
        TOKEN, "username=x", content_type="text/plain"
    )

    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://carbonlabel.example/problems/unsupported_media_type",
        "title": title,
        "status": 415,
        "detail": detail,
        "code": "unsupported_media_type",
    }
