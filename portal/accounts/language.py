"""Each person's language (ADR 0010).

Signed out, the choice made with the language switcher (Django's `set_language`) lives in the
language cookie, and Django's LocaleMiddleware reads it. Signed in, it lives on the person:
`User.preferred_language` is saved when they switch, applied when they sign in
(`on_login`, on Django's `user_logged_in`) and on every request by `PreferredLanguageMiddleware`,
which also keeps the cookie in step, so the same person sees the same language on any browser.
E-mails and other things rendered for someone who is not the current request use
`language_for(user)`.
"""

from django.conf import settings
from django.utils import translation

SET_LANGUAGE_URL_NAME = "set_language"
_CODES = {code for code, _name in settings.LANGUAGES}


def language_for(user) -> str:
    """The language to write to `user` in: their saved choice, else the portal's default."""
    code = getattr(user, "preferred_language", "") or ""
    return code if code in _CODES else settings.LANGUAGE_CODE


def user_language_set(*, user, language: str) -> bool:
    """Save `user`'s language; False (nothing saved) for a code the portal does not offer."""
    if language not in _CODES:
        return False
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return True


def _apply(request, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language


def on_login(sender, request, user, **kwargs):
    """Signing in switches the rest of this request (the redirect's messages) to the person's
    saved language; the middleware sets the cookie on the response. Someone who has saved no
    language yet keeps the one they chose before signing in, and it is saved for them."""
    if request is None:
        return
    if user.preferred_language not in _CODES:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not user_language_set(user=user, language=chosen or ""):
            return
    _apply(request, user.preferred_language)


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(on_login, dispatch_uid="portal.accounts.language.on_login")


class PreferredLanguageMiddleware:
    """After AuthenticationMiddleware: a signed-in person's saved language wins over the
    cookie and the browser; switching language while signed in saves the choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language in _CODES:
            _apply(request, user.preferred_language)
        response = self.get_response(request)
        user = getattr(request, "user", None)  # a sign-in in this request changed it
        if user is None or not user.is_authenticated:
            return response
        cookie = settings.LANGUAGE_COOKIE_NAME
        match = getattr(request, "resolver_match", None)
        if request.method == "POST" and match is not None and match.url_name == SET_LANGUAGE_URL_NAME:
            chosen = response.cookies.get(cookie)
            if chosen is not None:
                user_language_set(user=user, language=chosen.value)
        elif user.preferred_language in _CODES and request.COOKIES.get(cookie) != user.preferred_language:
            response.set_cookie(
                cookie,
                user.preferred_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
