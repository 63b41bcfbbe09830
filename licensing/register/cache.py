"""The register's search results, rendered once and shared by every web process through the
cache (CACHE_URL; an in-process cache without it).

A page of results is the same for every visitor with the same search, filters, page, language
and day, and rendering its 50 rows is most of the page's cost. The key carries today's date (a
licence's expiry changes the register at midnight with no write) and the register's *version*,
a token replaced whenever a firm, a licence (or its activities), an AML registration (or its
services) or an activity is saved or deleted — once at once and again
after the transaction commits, so that a page rendered from data about to change cannot
outlive the change. Every web process reads the same version, so a change shows on all of
them at the next request. PORTAL_REGISTER_CACHE_SECONDS bounds the life of an entry in any
case (a write through `QuerySet.update()` sends no signal); 0 switches the cache off.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

from portal.dates import local_today

VERSION_KEY = "register:version"


def version() -> str:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)  # add: another process may have just set one
        current = cache.get(VERSION_KEY)
    return current or ""


def bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def register_changed(**kwargs) -> None:
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed: act once, after the change
    bump()
    transaction.on_commit(bump)


def fragment(name: str, parts: list, build) -> str:
    """The HTML of `build()`, cached under `name`, the language, today's date, `parts` and the
    version. The date is in the key because what the register says changes with it and no write
    tells the cache: a licence past its expiry date shows as expired from midnight (Karachi)."""
    seconds = settings.PORTAL_REGISTER_CACHE_SECONDS
    if seconds <= 0:
        return build()
    raw = json.dumps([version(), get_language(), local_today(), *parts], sort_keys=True, default=str)
    key = f"register:{name}:{hashlib.sha256(raw.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, seconds)
    return html


def connect() -> None:
    """Listen to every model the register's rows are read from (LicensingConfig.ready)."""
    from aml.models import AmlRegistration
    from licensing.models import Activity, Firm, Licence

    for model in (Firm, Licence, AmlRegistration, Activity):
        uid = f"register-cache-{model._meta.label_lower}"
        post_save.connect(register_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(register_changed, sender=model, dispatch_uid=uid + "-delete")
    for through in (Licence.permitted_activities.through, AmlRegistration.registered_services.through):
        uid = f"register-cache-{through._meta.label_lower}"
        m2m_changed.connect(register_changed, sender=through, dispatch_uid=uid)
