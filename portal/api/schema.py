"""OpenAPI: the problem document, and the error responses every operation documents.

`PortalAutoSchema` adds the problem responses an operation can really return, from the
view's `problem_codes(action, method)`: 429 everywhere (throttled), 401/403 where
credentials are needed, 404 where a path names an object or a page, 400/415 where a body or
query is read, and the transition errors (409, 422, 403) on actions. Schemathesis checks
that no other status comes back (tests/test_schemathesis.py).
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

PROBLEM_MEDIA_TYPE = "application/problem+json"

DESCRIPTIONS = {
    "400": "The request is not valid (field errors in `errors`).",
    "401": "No credentials, or credentials that are not valid (e.g. a revoked token).",
    "403": "Signed in, but not permitted to do this.",
    "404": "Not found (also for objects of another firm).",
    "409": "The transition is no longer possible: the object is in another state now.",
    "413": "The request is larger than the portal accepts (PORTAL_REQUEST_MAX_BYTES); its body was not read.",
    "415": "The body's media type is not accepted.",
    "422": "The rules for this action are not met.",
    "429": "Too many requests: slow down (see Retry-After).",
    "503": "The upload cannot be checked for viruses right now: nothing was stored; try again later.",
}


class ProblemSerializer(serializers.Serializer):
    """An RFC 7807 problem document: the one error shape of this API."""

    type = serializers.CharField(
        help_text="A stable identifier of the kind of problem, e.g. /problems/not-found."
    )
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="Field errors: field name → messages."
    )
    request_id = serializers.CharField(
        required=False,
        help_text="The request's correlation id (also the X-Request-ID header), on 413 and 500 problems.",
    )


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes_for = getattr(self.view, "problem_codes", None)
        codes = codes_for(getattr(self.view, "action", None), self.method) if codes_for else (429,)
        for code in sorted({str(c) for c in codes}):
            if code in responses:
                continue
            response = self._get_response_for_code(ProblemSerializer, code, [PROBLEM_MEDIA_TYPE], direction)
            response["description"] = DESCRIPTIONS.get(code, response.get("description", ""))
            responses[code] = response
        return responses
