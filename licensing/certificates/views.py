"""Public verification of certificates, the published public key, and the protected PDF."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from licensing.models import FirmMembership

from . import signing
from .models import Certificate
from .services import normalise_code, signed_data_ok, verify_url
from .status import current_status, firm_status


@require_GET
def certificate_lookup(request):
    """/verify/: a form to type a code (works without JavaScript)."""
    code = normalise_code(request.GET.get("code", ""))
    if code:
        return redirect("certificate_verify", code=code)
    return render(request, "certificates/lookup.html", {"asked": "code" in request.GET})


@require_GET
def certificate_verify(request, code):
    normalised = normalise_code(code)
    if normalised != code:
        return redirect("certificate_verify", code=normalised)
    certificate = Certificate.objects.with_subject().filter(code=normalised).first()
    if certificate is None:
        return render(request, "certificates/lookup.html", {"not_found": code}, status=404)
    context = {
        "certificate": certificate,
        "payload": certificate.payload,
        "status": current_status(certificate),
        "operating": firm_status(certificate),
        "signature_ok": signed_data_ok(certificate),
        "signing_key_known": signing.public_key_for(certificate.key_id) is not None,
        "verify_url": verify_url(certificate.code),
        "register_reference": certificate.firm.reference_number,
    }
    return render(request, "certificates/verify.html", context)


@require_GET
@cache_control(public=True, max_age=3600)
def certificate_public_key(request):
    """The current public key, or with ?key_id= the one (current or retired) of that id."""
    wanted = request.GET.get("key_id", "").strip().lower()
    key = signing.public_key_for(wanted) if wanted else signing.public_key()
    if key is None:
        raise Http404
    response = HttpResponse(signing.public_key_pem(key), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="certificate-key.pem"'
    response["X-Key-Id"] = signing.key_id(key)
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def certificate_public_keys(request):
    """Every public key that verifies the regulator's certificates, the current one first."""
    current = signing.key_id()
    keys = [
        {
            "key_id": key_id,
            "algorithm": signing.ALGORITHM,
            "current": key_id == current,
            "pem": signing.public_key_pem(key).decode("ascii"),
        }
        for key_id, key in signing.known_public_keys().items()
    ]
    return JsonResponse({"current_key_id": current, "keys": keys})


@require_GET
@login_required
def certificate_download(request, code):
    """The PDF, for the firm's own people and regulator staff; anyone else gets 404."""
    certificate = Certificate.objects.filter(code=normalise_code(code)).select_related("firm").first()
    if certificate is None or not certificate.pdf:
        raise Http404
    user = request.user
    member = FirmMembership.objects.filter(user=user, firm_id=certificate.firm_id, is_active=True).exists()
    if not (member or user.is_regulator_staff):
        raise Http404
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.number.replace('/', '-')}.pdf",
        content_type="application/pdf",
    )
