"""Packaging against S3 on a local moto server: content-addressed, uploaded once."""

from __future__ import annotations

import boto3

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.deploy.package import MAX_INLINE_BODY, object_url, package
from tests.aws import REGION
from tests.conftest import spec_from

BUCKET = "artifacts"


def s3_with_bucket():
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    return s3


def keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_nested_templates_are_uploaded_by_content_and_the_root_points_at_them(aws):
    s3 = s3_with_bucket()
    compiled = compile_platform(spec_from("name: demo\n"))
    packaged = package(compiled, s3, BUCKET, REGION, "demo-prod")
    assert len(packaged.uploaded) == len(compiled.templates) - 1 and packaged.reused == []
    assert keys(s3) == sorted(packaged.uploaded)
    assert all(k.startswith("demo-prod/") and k.endswith(".yaml") for k in keys(s3))
    assert packaged.root_body is not None and packaged.root_url is None
    for key in packaged.uploaded:
        assert f"TemplateURL: {object_url(BUCKET, REGION, key)}" in packaged.root_body
    body = s3.get_object(Bucket=BUCKET, Key=packaged.uploaded[0])["Body"].read().decode()
    assert body.startswith("AWSTemplateFormatVersion: '2010-09-09'")


def test_a_second_package_uploads_nothing_and_a_change_uploads_only_its_stack(aws):
    s3 = s3_with_bucket()
    first = package(compile_platform(spec_from("name: demo\n")), s3, BUCKET, REGION, "p")
    again = package(compile_platform(spec_from("name: demo\n")), s3, BUCKET, REGION, "p")
    assert again.uploaded == [] and sorted(again.reused) == sorted(first.uploaded)
    assert again.root_body == first.root_body
    changed = package(
        compile_platform(spec_from("name: demo\nrds: {backup_retention_days: 14}\n")),
        s3,
        BUCKET,
        REGION,
        "p",
    )
    assert len(changed.uploaded) == 1 and len(changed.reused) == len(first.uploaded) - 1
    assert changed.root_body is not None and first.root_body is not None
    changed_lines = set(changed.root_body.splitlines()) ^ set(first.root_body.splitlines())
    assert len(changed_lines) == 2, "only the RDS stack's TemplateURL moved"


def test_a_root_over_the_inline_limit_goes_by_url(aws, monkeypatch):
    s3 = s3_with_bucket()
    monkeypatch.setattr("litellm_cfn.deploy.package.MAX_INLINE_BODY", 100)
    packaged = package(compile_platform(spec_from("name: demo\n")), s3, BUCKET, REGION, "p")
    assert packaged.root_body is None
    assert packaged.root_url == object_url(BUCKET, REGION, packaged.uploaded[-1])
    assert MAX_INLINE_BODY == 51_200


def test_packaging_leaves_the_compiled_templates_as_they_were(aws):
    s3 = s3_with_bucket()
    compiled = compile_platform(spec_from("name: demo\n"))
    before = compiled.templates[ROOT_FILE].to_dict()
    packaged = package(compiled, s3, BUCKET, REGION, "p")
    assert compiled.templates[ROOT_FILE].to_dict() == before
    assert "TemplateURL: vpc.yaml" not in str(packaged.root_body)


def test_the_text_build_wrote_is_the_text_uploaded(aws):
    s3 = s3_with_bucket()
    compiled = compile_platform(spec_from("name: demo\n"))
    rendered = {file: to_yaml(t.to_dict()) for file, t in compiled.templates.items()}
    rendered["vpc.yaml"] += "# as written\n"
    packaged = package(compiled, s3, BUCKET, REGION, "p", rendered=rendered)
    bodies = [s3.get_object(Bucket=BUCKET, Key=k)["Body"].read().decode() for k in keys(s3)]
    assert sum(body.endswith("# as written\n") for body in bodies) == 1
    assert len(packaged.uploaded) == len(compiled.templates) - 1
