"""boto3 (Debian's python3-boto3) against a running Tessera, at the SDK's default settings: only the endpoint,
the credentials and the region are given. Called by scripts/smoke.sh as `smoke_boto3.py ENDPOINT WORKDIR`;
prints one "  ok   NAME" or "  FAIL NAME" line per check and exits non-zero if any failed."""

import hashlib
import os
import sys
import traceback
import urllib.request

import boto3
import requests
from botocore.exceptions import ClientError

endpoint, work = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=os.environ["TESSERA_ROOT_USER"],
                  aws_secret_access_key=os.environ["TESSERA_ROOT_PASSWORD"])
bucket = "smoke-boto3"
results = []


def check(name):
    def run(fn):
        try:
            fn()
            results.append(True)
            print(f"  ok   {name}")
        except Exception:  # any failure, assertion or client error, is this check's
            results.append(False)
            print(f"  FAIL {name}")
            print("       " + traceback.format_exc().strip().replace("\n", "\n       "))
        return fn
    return run


def error_of(call):
    """The S3 error code and HTTP status of a call that must fail."""
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded")


@check("boto3 create_bucket + head_bucket")
def _():
    s3.create_bucket(Bucket=bucket)
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


@check("boto3 put_object/get_object with metadata and content type")
def _():
    body = os.urandom(70_000)
    put = s3.put_object(Bucket=bucket, Key="dir/a.bin", Body=body, ContentType="application/x-test",
                        Metadata={"colour": "blue"})
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket=bucket, Key="dir/a.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/x-test" and got["Metadata"] == {"colour": "blue"}
    ranged = s3.get_object(Bucket=bucket, Key="dir/a.bin", Range="bytes=100-199")
    assert ranged["Body"].read() == body[100:200] and ranged["ContentRange"] == "bytes 100-199/70000"


@check("boto3 list_objects_v2 paginator (MaxKeys 2, delimiter)")
def _():
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"list/k{i}", Body=b"x")
    s3.put_object(Bucket=bucket, Key="list/sub/deep", Body=b"y")
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix="list/", Delimiter="/", PaginationConfig={"PageSize": 2}))
    keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
    prefixes = [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
    assert keys == [f"list/k{i}" for i in range(5)], keys
    assert prefixes == ["list/sub/"], prefixes
    assert len(pages) == 3, len(pages)


@check("boto3 upload_file/download_file (20 MB: multipart up, ranged parallel GETs down)")
def _():
    src, dst = os.path.join(work, "boto3-big"), os.path.join(work, "boto3-big-down")
    with open(src, "wb") as f:
        f.write(os.urandom(20_000_000))
    s3.upload_file(src, bucket, "big.bin")
    etag = s3.head_object(Bucket=bucket, Key="big.bin")["ETag"]
    assert etag.endswith('-3"'), etag  # 8 MiB parts, the transfer manager's default
    s3.download_file(bucket, "big.bin", dst)
    with open(src, "rb") as a, open(dst, "rb") as b:
        assert a.read() == b.read()


@check("boto3 low-level multipart: list_parts, complete, abort")
def _():
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu.bin")["UploadId"]
    one, two = os.urandom(5 * 1024 * 1024), os.urandom(1234)
    e1 = s3.upload_part(Bucket=bucket, Key="mpu.bin", UploadId=upload, PartNumber=1, Body=one)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="mpu.bin", UploadId=upload, PartNumber=2, Body=two)["ETag"]
    parts = s3.list_parts(Bucket=bucket, Key="mpu.bin", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, len(one)), (2, len(two))]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mpu.bin", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    digests = b"".join(hashlib.md5(p).digest() for p in (one, two))
    assert done["ETag"] == '"%s-2"' % hashlib.md5(digests).hexdigest(), done["ETag"]
    assert s3.get_object(Bucket=bucket, Key="mpu.bin")["Body"].read() == one + two
    aborted = s3.create_multipart_upload(Bucket=bucket, Key="gone.bin")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="gone.bin", UploadId=aborted)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert error_of(lambda: s3.list_parts(Bucket=bucket, Key="gone.bin", UploadId=aborted)) == ("NoSuchUpload", 404)


@check("boto3 copy_object, tagging")
def _():
    s3.copy_object(Bucket=bucket, Key="copy.bin", CopySource={"Bucket": bucket, "Key": "dir/a.bin"})
    assert s3.get_object(Bucket=bucket, Key="copy.bin")["Body"].read() == \
        s3.get_object(Bucket=bucket, Key="dir/a.bin")["Body"].read()
    s3.put_object_tagging(Bucket=bucket, Key="copy.bin", Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="copy.bin")["TagSet"] == [{"Key": "team", "Value": "data"}]


@check("boto3 presigned GET and PUT with urllib")
def _():
    # The content type is signed, so the uploader sends the one the URL was made for (urllib would add its own).
    put_url = s3.generate_presigned_url("put_object", ExpiresIn=300,
                                        Params={"Bucket": bucket, "Key": "presigned.txt", "ContentType": "text/plain"})
    urllib.request.urlopen(urllib.request.Request(put_url, data=b"signed in the query", method="PUT",
                                                  headers={"Content-Type": "text/plain"})).read()
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "presigned.txt"}, ExpiresIn=300)
    with urllib.request.urlopen(get_url) as got:
        assert got.read() == b"signed in the query" and got.headers["Content-Type"] == "text/plain"
    tampered = get_url.replace("presigned.txt", "presigned.txy")
    try:
        urllib.request.urlopen(tampered)
        raise AssertionError("a tampered URL was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in e.read()


@check("boto3 generate_presigned_post + a form upload with requests (POST Object)")
def _():
    post = s3.generate_presigned_post(bucket, "forms/${filename}", Fields={"Content-Type": "text/plain"},
                                      Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 1, 1000]])
    sent = requests.post(post["url"], data=post["fields"], files={"file": ("note.txt", b"uploaded from a form")})
    assert sent.status_code == 204, (sent.status_code, sent.text)
    got = s3.get_object(Bucket=bucket, Key="forms/note.txt")
    assert got["Body"].read() == b"uploaded from a form" and got["ContentType"] == "text/plain"
    too_big = requests.post(post["url"], data=post["fields"], files={"file": ("big.txt", b"x" * 1001)})
    assert too_big.status_code == 400 and b"<Code>EntityTooLarge</Code>" in too_big.content, too_big.text


@check("boto3 errors: NoSuchKey 404, NoSuchBucket 404, BucketNotEmpty 409")
def _():
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="missing")) == ("NoSuchKey", 404)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="missing")) == ("404", 404)
    assert error_of(lambda: s3.get_object(Bucket="smoke-no-such-bucket", Key="k")) == ("NoSuchBucket", 404)
    assert error_of(lambda: s3.delete_bucket(Bucket=bucket)) == ("BucketNotEmpty", 409)


@check("boto3 versioning: two versions, a delete marker, get by VersionId")
def _():
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"two")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="v.txt")
    assert marker["DeleteMarker"] is True
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="v.txt")) == ("NoSuchKey", 404)
    assert s3.get_object(Bucket=bucket, Key="v.txt", VersionId=v1)["Body"].read() == b"one"
    listed = s3.list_object_versions(Bucket=bucket, Prefix="v.txt")
    assert [v["VersionId"] for v in listed["Versions"]] == [v2, v1]
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker["VersionId"]]


@check("boto3 non-ASCII metadata round-trips (RFC 2047 on the wire, as S3)")
def _():
    # botocore refuses non-ASCII metadata itself, so its users send RFC 2047 encoded words; S3 (and Tessera) stores
    # the decoded text and encodes it again on the way out.
    import base64
    word = "=?UTF-8?B?" + base64.b64encode("\u00dcn\u00efc\u00f6d\u00e9".encode()).decode() + "?="
    s3.put_object(Bucket=bucket, Key="meta", Body=b"x", Metadata={"name": word})
    head = s3.head_object(Bucket=bucket, Key="meta")
    raw = head["ResponseMetadata"]["HTTPHeaders"]["x-amz-meta-name"]
    assert raw.startswith("=?UTF-8?B?"), raw
    import email.header
    decoded = str(email.header.make_header(email.header.decode_header(raw)))
    assert decoded == "\u00dcn\u00efc\u00f6d\u00e9", decoded


@check("boto3 checksums: SHA256 stored and returned, a wrong CRC32 is BadDigest")
def _():
    body = b"checksummed"
    put = s3.put_object(Bucket=bucket, Key="ck", Body=body, ChecksumAlgorithm="SHA256")
    import base64
    expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert put["ChecksumSHA256"] == expected, put
    head = s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == expected, head
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="bad", Body=body, ChecksumCRC32="AAAAAA==")) == ("BadDigest", 400)


@check("boto3 a retried complete_multipart_upload gets the same answer")
def _():
    up = s3.create_multipart_upload(Bucket=bucket, Key="retried")
    part = s3.upload_part(Bucket=bucket, Key="retried", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 1024)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    first = s3.complete_multipart_upload(Bucket=bucket, Key="retried", UploadId=up["UploadId"], MultipartUpload=parts)
    again = s3.complete_multipart_upload(Bucket=bucket, Key="retried", UploadId=up["UploadId"], MultipartUpload=parts)
    assert first["ETag"] == again["ETag"] and first["ETag"].endswith('-1"'), (first, again)


@check("boto3 delete_objects of every version, then delete_bucket")
def _():
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
    doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
              for p in pages for v in p.get("Versions", []) + p.get("DeleteMarkers", [])]
    for i in range(0, len(doomed), 1000):
        out = s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[i:i + 1000]})
        assert not out.get("Errors"), out.get("Errors")
    s3.delete_bucket(Bucket=bucket)
    assert error_of(lambda: s3.head_bucket(Bucket=bucket)) == ("404", 404)


sys.exit(0 if all(results) else 1)
