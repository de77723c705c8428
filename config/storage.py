"""Where uploaded and rendered files live (evidence, attachments, certificate PDFs).

Local files under MEDIA_ROOT by default; an S3-compatible object store when STORAGE_URL names
one:

    s3://[ACCESS_KEY:SECRET_KEY@]BUCKET[/PREFIX][?endpoint_url=URL&region_name=NAME
                                                  &addressing_style=path|virtual|auto
                                                  &acl=private|none]

Without credentials in the URL, boto3 finds them itself (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, a profile, an instance role). Every file is private and is served only
through the views that check who asks (docs/operations.md, "Object storage").
"""

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

# S3's rule for bucket names that work with both addressing styles.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
PREFIX = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
QUERY_OPTIONS = ("endpoint_url", "region_name", "addressing_style", "acl")
ADDRESSING_STYLES = ("path", "virtual", "auto")
# "none" sends no ACL at all: a bucket whose ACLs are disabled (AWS's default since 2023, "bucket
# owner enforced") refuses every other one, and is private by its own settings.
ACLS = {"private": "private", "none": None}
# Nothing links to a stored file; should a signed URL ever be made, it lives this long.
SIGNED_URL_SECONDS = 60
# A file read back (to be served) is held in memory up to this size, then in a temporary file.
READ_MEMORY_BYTES = 2 * 1024 * 1024
STORE_CONNECT_SECONDS = 5
STORE_READ_SECONDS = 30
STORE_ATTEMPTS = 3


@dataclass(frozen=True)
class ObjectStore:
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region_name: str | None = None
    addressing_style: str | None = None
    acl: str | None = "private"
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)


def _refuse(problem: str) -> ImproperlyConfigured:
    # The URL itself is never repeated: it may carry a secret key.
    return ImproperlyConfigured(f"STORAGE_URL: {problem}")


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    if not userinfo:
        return None, None
    access_key, colon, secret_key = userinfo.partition(":")
    if not access_key or not colon or not secret_key:
        raise _refuse("give both keys as ACCESS_KEY:SECRET_KEY@, or neither.")
    return unquote(access_key), unquote(secret_key)


def _query(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _refuse("the query is not NAME=VALUE pairs joined by &.") from None
    options: dict[str, str] = {}
    for name, value in pairs:
        if name not in QUERY_OPTIONS:
            raise _refuse(f"unknown option {name!r}; known: {', '.join(QUERY_OPTIONS)}.")
        if name in options:
            raise _refuse(f"{name} is given twice.")
        if not value:
            raise _refuse(f"{name} is empty.")
        options[name] = value
    return options


def _endpoint(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse("endpoint_url must be an http:// or https:// address with a host.")
    return url


def object_store_parse(url: str) -> ObjectStore:
    """The object store a STORAGE_URL names, or ImproperlyConfigured saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise _refuse("only s3:// URLs are understood (an S3-compatible object store).")
    if parts.fragment:
        raise _refuse("a #fragment means nothing here.")
    userinfo, _, bucket = parts.netloc.rpartition("@")
    if not BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise _refuse(
            "the bucket name must be 3 to 63 lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit (a port belongs in endpoint_url)."
        )
    prefix = parts.path.strip("/")
    if prefix and (not PREFIX.fullmatch(prefix) or ".." in prefix.split("/")):
        raise _refuse("the prefix after the bucket must be path segments of A-Z a-z 0-9 . _ -.")
    access_key, secret_key = _credentials(userinfo)
    options = _query(parts.query)
    endpoint_url = _endpoint(options["endpoint_url"]) if "endpoint_url" in options else None
    addressing_style = options.get("addressing_style")
    if addressing_style is not None and addressing_style not in ADDRESSING_STYLES:
        raise _refuse(f"addressing_style must be one of {', '.join(ADDRESSING_STYLES)}.")
    acl = options.get("acl", "private")
    if acl not in ACLS:
        raise _refuse("acl must be private or none (no object is ever public).")
    if addressing_style is None and endpoint_url is not None:
        # S3-compatible stores (MinIO, Ceph, Garage…) answer at one host: bucket in the path.
        addressing_style = "path"
    return ObjectStore(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=endpoint_url,
        region_name=options.get("region_name"),
        addressing_style=addressing_style,
        acl=ACLS[acl],
        access_key=access_key,
        secret_key=secret_key,
    )


def default_storage_settings(url: str) -> dict[str, Any]:
    """The STORAGES["default"] entry: local files for an empty URL, else the object store."""
    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    from botocore.config import Config

    store = object_store_parse(url)
    options: dict[str, Any] = {
        "bucket_name": store.bucket,
        "location": store.prefix,
        "endpoint_url": store.endpoint_url,
        "region_name": store.region_name,
        "default_acl": store.acl,
        # A name already taken gets a new one; nothing is ever replaced in place.
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": SIGNED_URL_SECONDS,
        "max_memory_size": READ_MEMORY_BYTES,
        # Whatever type an uploader claimed, the store keeps opaque bytes to be downloaded: the
        # views serve each file with the type its content was recognised as.
        "object_parameters": {
            "ContentType": "application/octet-stream",
            "ContentDisposition": "attachment",
        },
        # boto3 >= 1.36 sends and expects CRC checksums by default, which S3-compatible stores
        # other than AWS reject or do not return; only when an operation requires one.
        "client_config": Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": store.addressing_style},
            # A store that does not answer costs a request seconds, not minutes: the request
            # then answers 503 (config/errors.py).
            connect_timeout=STORE_CONNECT_SECONDS,
            read_timeout=STORE_READ_SECONDS,
            retries={"mode": "standard", "max_attempts": STORE_ATTEMPTS},
        ),
    }
    if store.access_key is not None:
        options["access_key"] = store.access_key
        options["secret_key"] = store.secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
