"""Objects in an S3-compatible bucket (AWS, MinIO, Scaleway, OVH…) through boto3."""

from __future__ import annotations

from functools import cached_property
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from portal.core.storage.base import ObjectInfo, Storage

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage(Storage):
    """Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID``… or an instance role)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client=None,
    ):
        if not bucket:
            raise ValueError("S3 storage needs a bucket (PORTAL_S3_BUCKET)")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        if client is not None:
            self.__dict__["client"] = client

    def __repr__(self) -> str:
        return f"<S3Storage {self.endpoint_url or 'aws'}/{self.bucket}>"

    @cached_property
    def client(self):
        # Created on first use: commands that never touch files do not pay for boto3's set-up.
        config = Config(
            # Path-style addressing: virtual-host buckets need DNS that non-AWS servers lack.
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        )
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
        )

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (development servers, tests)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) not in _MISSING:
                raise
            options = {}
            if self.region and self.region != "us-east-1":
                options["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            self.client.create_bucket(Bucket=self.bucket, **options)

    def _put(self, key: str, stream: BinaryIO, content_type: str) -> None:
        # upload_fileobj switches to a multipart upload for large streams; S3 replaces objects
        # atomically either way.
        self.client.upload_fileobj(
            stream, self.bucket, key, ExtraArgs={"ContentType": content_type}
        )

    def _open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            raise _not_found(exc, key) from exc

    def _info(self, key: str) -> ObjectInfo:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            raise _not_found(exc, key) from exc
        return ObjectInfo(key=key, size=head["ContentLength"], content_type=head["ContentType"])

    def _delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _not_found(exc: ClientError, key: str) -> Exception:
    return FileNotFoundError(key) if _code(exc) in _MISSING else exc
