"""The README and the deployment guide say what is true: every address they send a reader to
exists, every command they show exists, and every environment variable the code reads is
documented in the README's table, in `.env.example` and in docs/DEPLOY.md (and nothing is
documented that the code no longer reads)."""

import re
from pathlib import Path

import pytest
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEPLOY = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
CODE_DIRS = ("portal", "licensing", "aml")

# Variables read from the environment by something other than the portal's code.
READ_BY_LIBRARIES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"}
READER = re.compile(
    r"""(?:\benv_[a-z_]+|environ\.get|getenv|\benv\.get|\b_int|\b_bool|\b_str)\(\s*(?:env,\s*)?["']([A-Z][A-Z0-9_]+)["']"""
)


def _code_text():
    return "\n".join(
        path.read_text(encoding="utf-8")
        for folder in CODE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    )


CODE = _code_text()


def variables_read_by_code():
    return set(READER.findall(CODE))


def readme_variables():
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", README, re.M))


def test_the_code_reads_environment_variables_through_readers_this_test_recognises():
    found = variables_read_by_code()
    assert {"DJANGO_DEBUG", "DATABASE_URL", "GUNICORN_WORKERS", "PORTAL_S3_BUCKET"} <= found


def test_every_variable_the_code_reads_is_in_the_readme_table():
    missing = variables_read_by_code() - readme_variables()
    assert not missing, f"add these to the README's Configuration table: {sorted(missing)}"


def test_every_variable_in_the_readme_table_is_read_by_the_code():
    stale = {name for name in readme_variables() if f'"{name}"' not in CODE and f"'{name}'" not in CODE}
    assert not stale, f"the README documents variables nothing reads: {sorted(stale)}"


def test_every_variable_the_code_reads_is_in_env_example():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, re.M))
    missing = variables_read_by_code() - listed
    assert not missing, f"add these to .env.example: {sorted(missing)}"


def test_every_variable_the_code_reads_is_in_the_deployment_guide():
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]{2,})`", DEPLOY))
    missing = variables_read_by_code() - listed - {"REQUIRE_SERVICES"} - READ_BY_LIBRARIES
    assert not missing, f"add these to docs/DEPLOY.md's variables table: {sorted(missing)}"


def readme_local_paths():
    """The portal's own addresses the README links to or names (`/staff/aml/`)."""
    paths = set(re.findall(r"http://127\.0\.0\.1:8000(/[^\s>)`]*)", README))
    paths |= set(re.findall(r"\(`(/[a-z][^`\s]*)`\)", README))
    paths |= set(re.findall(r"at `(/[a-z][^`\s]*)`", README))
    return sorted(path for path in paths if "<" not in path and "…" not in path)


@pytest.mark.parametrize("path", readme_local_paths())
def test_every_address_in_the_readme_exists(path):
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        pytest.fail(f"the README sends readers to {path}, which the portal does not serve")


def test_the_readme_names_addresses_of_every_area():
    paths = readme_local_paths()
    for area in ("/staff/", "/register/", "/admin/", "/api/docs/", "/notifications/"):
        assert area in paths


def readme_commands():
    return sorted(set(re.findall(r"manage\.py ([a-z_]+)", README)))


@pytest.mark.parametrize("command", readme_commands())
def test_every_management_command_in_the_readme_exists(command):
    assert command in get_commands(), f"the README shows `manage.py {command}`, which does not exist"


def test_every_make_target_in_the_readme_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    shown = set(re.findall(r"`make ([a-z][a-z-]*)", README)) | set(
        re.findall(r"^make ([a-z][a-z-]*)", README, re.M)
    )
    assert {"run", "test"} <= shown
    assert shown <= targets, f"the README shows make targets that do not exist: {sorted(shown - targets)}"


def test_every_file_the_readme_names_exists():
    named = set(re.findall(r"`((?:bench|docs|tests|portal|licensing|aml)/[\w./-]+\.(?:py|md|txt))`", README))
    named |= set(re.findall(r"\]\(((?:docs)/[\w./-]+\.md)", README))
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert not missing, f"the README names files that do not exist: {missing}"


def test_the_readme_promises_nothing_built_as_unbuilt():
    """The 'not built yet' list names none of the things that exist (each has its address)."""
    start = README.find("Not built yet")
    assert start != -1
    unbuilt = README[start : README.find("##", start)].lower()
    for built in (
        "urdu",
        "content security policy",
        "json log",
        "s3",
        "deploy.md",
        "agreement pages",
        "inbox",
    ):
        assert built not in unbuilt, f"the README lists {built!r} as not built"
