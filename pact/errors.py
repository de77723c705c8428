"""PACT error responses: `{"code", "message"}` with the statuses of CONTRACTS §7, and the OAuth 2.0
errors of the token endpoint (RFC 6749 §5.2), which have their own shape."""

from django.http import JsonResponse


class PactError(Exception):
    """An error the PACT API answers with its own code and HTTP status."""

    code = "BadRequest"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> JsonResponse:
        return pact_json({"code": self.code, "message": self.message}, status=self.status)


class BadRequest(PactError):
    code, status = "BadRequest", 400


class AccessDenied(PactError):
    code, status = "AccessDenied", 403


class NoSuchFootprint(PactError):
    """404 under /2 (`NoSuchFootprint`); /3 renamed the code to `NotFound`."""

    code, status = "NoSuchFootprint", 404

    def __init__(self, message: str, *, spec: int) -> None:
        super().__init__(message)
        if spec == 3:
            self.code = "NotFound"


class NotImplementedByHost(PactError):
    # CONTRACTS §7 keeps the 2.x status 400 for both versions.
    code, status = "NotImplemented", 400


class TokenExpired(PactError):
    code, status = "TokenExpired", 401


class OAuthError(Exception):
    """An error of POST /auth/token: `{"error", "error_description"}`, always 400 as PACT wants
    (RFC 6749 would allow 401 for invalid_client)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def response(self) -> JsonResponse:
        response = pact_json(
            {"error": self.error, "error_description": self.description}, status=400
        )
        response["Cache-Control"] = "no-store"
        return response


def pact_json(body: object, *, status: int = 200) -> JsonResponse:
    """JSON as UTF-8 text: company and product names stay readable Chinese."""
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
