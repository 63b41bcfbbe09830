"""Rotating the certificate signing key: certificates signed with the old key still verify,
online and offline; new ones carry the new key's id; a key the portal never had is refused."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from licensing.certificates import signing
from licensing.certificates.services import signed_data_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings, tmp_path):
    """Key A in use, no retired keys; `rotate()` switches to a new key B, A retired."""
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = False
    folder = tmp_path / "keys"
    call_command("signing_key", "new", str(folder / "a.pem"), stdout=io.StringIO())
    settings.PORTAL_SIGNING_KEY_PATH = str(folder / "a.pem")
    settings.PORTAL_SIGNING_PREVIOUS_KEYS = []

    class Keys:
        a = signing.key_id()

        @staticmethod
        def rotate():
            retired = folder / "retired"
            retired.mkdir()
            call_command("signing_key", "export-public", out=str(retired / "a.pub.pem"), stdout=io.StringIO())
            call_command("signing_key", "new", str(folder / "b.pem"), stdout=io.StringIO())
            settings.PORTAL_SIGNING_KEY_PATH = str(folder / "b.pem")
            settings.PORTAL_SIGNING_PREVIOUS_KEYS = [str(retired)]
            Keys.b = signing.key_id()
            assert Keys.b != Keys.a

    return Keys


def test_after_rotation_old_certificates_verify_and_new_ones_use_the_new_key(
    keys, grant_noc, client, tmp_path
):
    old = grant_noc("Alpha Exchange Ltd")
    assert old.key_id == keys.a
    old_pdf = tmp_path / "old.pdf"
    old_pdf.write_bytes(old.pdf.open("rb").read())

    keys.rotate()
    new = grant_noc("Beta Exchange Ltd")
    assert new.key_id == keys.b
    assert signed_data_ok(old) and signed_data_ok(new)

    # Online: the verify page of the old certificate says its signature is valid.
    page = client.get(reverse("certificate_verify", args=[old.code])).content.decode()
    assert "Valid (Ed25519)" in page and keys.a in page
    # Offline, with nothing but the file: by the key id it names, among the known keys ...
    out = io.StringIO()
    call_command("verify_certificate", str(old_pdf), stdout=out)
    assert out.getvalue().startswith("VERIFIED")
    # ... and with the retired public key as published, fetched by its id.
    published = client.get(reverse("certificate_public_key"), {"key_id": keys.a})
    assert published.status_code == 200 and published["X-Key-Id"] == keys.a
    (tmp_path / "a.pem").write_bytes(published.content)
    out = io.StringIO()
    call_command("verify_certificate", str(old_pdf), public_key=str(tmp_path / "a.pem"), stdout=out)
    assert out.getvalue().startswith("VERIFIED")

    # The current key is what the plain address serves; the list has both, current first.
    assert client.get(reverse("certificate_public_key"))["X-Key-Id"] == keys.b
    listing = json.loads(client.get(reverse("certificate_public_keys")).content)
    assert listing["current_key_id"] == keys.b
    assert [(k["key_id"], k["current"]) for k in listing["keys"]] == [(keys.b, True), (keys.a, False)]
    assert all("PRIVATE" not in k["pem"] for k in listing["keys"])


def test_a_certificate_naming_an_unknown_key_is_refused(keys, grant_noc, client, tmp_path):
    cert = grant_noc("Gamma Exchange Ltd")
    keys.rotate()
    # Forget the retired key: certificates it signed no longer verify, and say why.
    from django.conf import settings

    settings.PORTAL_SIGNING_PREVIOUS_KEYS = []
    assert not signed_data_ok(cert)
    page = client.get(reverse("certificate_verify", args=[cert.code])).content.decode()
    assert "names a signing key the regulator has never published" in page
    with pytest.raises(CommandError, match=f"signed with key {keys.a}, which is not one of this portal"):
        call_command("verify_certificate", cert.code, stdout=io.StringIO())
    assert client.get(reverse("certificate_public_key"), {"key_id": keys.a}).status_code == 404
    assert client.get(reverse("certificate_public_key"), {"key_id": "0123456789abcdef"}).status_code == 404
    with pytest.raises(CommandError, match="No key has the id"):
        call_command("signing_key", "export-public", key_id="0123456789abcdef", stdout=io.StringIO())


def test_a_forged_key_id_does_not_borrow_another_keys_trust(keys, grant_noc):
    cert = grant_noc("Delta Exchange Ltd")
    keys.rotate()
    cert.key_id = keys.b  # claims the current key, but was signed by A
    assert not signed_data_ok(cert)


def test_show_lists_the_keys_and_the_certificates_each_signed(keys, grant_noc):
    grant_noc("Epsilon Exchange Ltd")
    keys.rotate()
    out = io.StringIO()
    call_command("signing_key", "show", stdout=out)
    text = out.getvalue()
    assert f"Current key: {keys.b}" in text
    assert f"Retired key: {keys.a}  certificates signed with it: 1" in text


def test_new_never_overwrites_a_key(keys, tmp_path):
    from django.conf import settings

    before = open(settings.PORTAL_SIGNING_KEY_PATH, "rb").read()
    with pytest.raises(CommandError, match="already exists"):
        call_command("signing_key", "new", settings.PORTAL_SIGNING_KEY_PATH, stdout=io.StringIO())
    assert open(settings.PORTAL_SIGNING_KEY_PATH, "rb").read() == before


def test_an_unreadable_retired_key_is_reported_by_the_system_check(settings, tmp_path):
    from licensing.certificates.apps import previous_keys_check

    (tmp_path / "broken.pem").write_text("not a key")
    settings.PORTAL_SIGNING_PREVIOUS_KEYS = [str(tmp_path / "broken.pem"), str(tmp_path / "missing.pem")]
    errors = previous_keys_check(None)
    assert [e.id for e in errors] == ["certificates.E002"]
    assert "broken.pem is not an Ed25519 key" in errors[0].msg
