"""Portal sessions: their own cookie, their own keys, in the tenant's session store.

Customers are rows of `customers`, not Django users, so Django's auth machinery (one
`sessionid` cookie, `request.user`) is left to the staff. A portal page loads a second
session from the same store (Django's SessionStore: the `django_session` table of the
tenant's own database) under its own cookie, scoped to `/portal/`, and sets
`request.customer`. The two never cross: a staff session has no portal keys and a portal
session no `_auth_user_id`, so either one put in the other's cookie is anonymous there.

The session holds the tenant's id, the customer's id, the access version staff raise when
they turn access off or send a new password (`portal_auth_version`), and a stamp of the
password hash. Each request checks all of them, so a session ends when access is revoked,
when the password changes on another device, and on a restored copy of the tenant (same
rows, new tenant id). Server-side rather than a signed cookie: logging out deletes the
row, so a copied cookie does not outlive the logout.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from importlib import import_module
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme

from dockpulse.tenancy import get_current_tenant
from dockpulse.web.access import module_on
from tenant_apps.customers.models import Customer
from tenant_apps.customers.portal_access import portal_credentials_current

MODULE = "@portal"
COOKIE_NAME = getattr(settings, "PORTAL_SESSION_COOKIE_NAME", "dockpulse_portal")
COOKIE_PATH = "/portal/"
COOKIE_AGE = int(getattr(settings, "PORTAL_SESSION_COOKIE_AGE", settings.SESSION_COOKIE_AGE))

CUSTOMER_KEY = "_portal_customer"
TENANT_KEY = "_portal_tenant"
VERSION_KEY = "_portal_version"
STAMP_KEY = "_portal_stamp"
RESET_PHONE_KEY = "_portal_reset_phone"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def credentials_stamp(customer: Customer) -> str:
    """A piece of an HMAC of the password hash (what Django does for staff sessions)."""
    return salted_hmac(
        "dockpulse.portal.credentials", customer.portal_password, algorithm="sha256"
    ).hexdigest()[:24]


def credentials_valid(customer: Customer, *, version: Any, stamp: Any) -> bool:
    """Whether a session or token made with `version` and `stamp` may still be used."""
    if not isinstance(version, int) or not isinstance(stamp, str):
        return False
    return portal_credentials_current(customer, version) and constant_time_compare(
        stamp, credentials_stamp(customer)
    )


def _store(key: str | None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return cast(SessionBase, engine.SessionStore(key))


def portal_session(request: HttpRequest) -> SessionBase:
    session = getattr(request, "portal_session", None)
    if session is None:
        session = _store(request.COOKIES.get(COOKIE_NAME))
        request.portal_session = session  # type: ignore[attr-defined]
    return session


def _customer_of(session: SessionBase) -> Customer | None:
    customer_id = session.get(CUSTOMER_KEY)
    if customer_id is None:
        return None
    if session.get(TENANT_KEY) != str(get_current_tenant().id):
        return None
    try:
        customer = Customer.objects.filter(pk=customer_id).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID: no one's session
        return None
    if customer is None or not credentials_valid(
        customer, version=session.get(VERSION_KEY), stamp=session.get(STAMP_KEY)
    ):
        return None
    return customer


def load(request: HttpRequest) -> Customer | None:
    """Sets `request.customer` from the portal cookie; a void session is emptied."""
    session = portal_session(request)
    customer = _customer_of(session)
    if customer is None and CUSTOMER_KEY in session:
        session.flush()
    request.customer = customer  # type: ignore[attr-defined]
    return customer


def _remember(session: SessionBase, customer: Customer) -> None:
    session[CUSTOMER_KEY] = str(customer.pk)
    session[TENANT_KEY] = str(get_current_tenant().id)
    session[VERSION_KEY] = customer.portal_auth_version
    session[STAMP_KEY] = credentials_stamp(customer)


def current_customer(request: HttpRequest) -> Customer:
    """The signed-in customer of a `portal_page()` view (it let only them through)."""
    return cast(Customer, getattr(request, "customer"))  # noqa: B009


def login(request: HttpRequest, customer: Customer) -> None:
    """A new session key (no fixation), a new CSRF token, the customer remembered."""
    session = portal_session(request)
    if session.get(CUSTOMER_KEY) not in (None, str(customer.pk)):
        session.flush()
    else:
        session.cycle_key()
    session.pop(RESET_PHONE_KEY, None)
    _remember(session, customer)
    rotate_token(request)
    request.customer = customer  # type: ignore[attr-defined]


def credentials_changed(request: HttpRequest, customer: Customer) -> None:
    """After the customer's own password change: this browser stays signed in (others
    end, their stamp no longer matches)."""
    session = portal_session(request)
    session.cycle_key()
    _remember(session, customer)
    request.customer = customer  # type: ignore[attr-defined]


def logout(request: HttpRequest) -> None:
    portal_session(request).flush()
    request.customer = None  # type: ignore[attr-defined]


def save(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """What SessionMiddleware does for `sessionid`, for the portal's cookie."""
    session = getattr(request, "portal_session", None)
    if session is None:
        return response
    patch_vary_headers(response, ("Cookie",))
    if session.is_empty():
        if COOKIE_NAME in request.COOKIES:
            response.delete_cookie(
                COOKIE_NAME, path=COOKIE_PATH, samesite=settings.SESSION_COOKIE_SAMESITE
            )
        return response
    if session.modified and response.status_code < 500:
        session.set_expiry(COOKIE_AGE)
        session.save()
        response.set_cookie(
            COOKIE_NAME,
            session.session_key,
            max_age=COOKIE_AGE,
            path=COOKIE_PATH,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )
    return response


def login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    login_url = reverse("portal:login")
    here = request.get_full_path()
    if here in (login_url, reverse("portal:home")):
        return HttpResponseRedirect(login_url)
    return HttpResponseRedirect(f"{login_url}?{urlencode({'next': here})}")


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`next` when it is a portal page of this host, else the portal's home."""
    if (
        candidate
        and candidate.startswith(COOKIE_PATH)
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return reverse("portal:home")


def portal_page(
    *, signed_in: bool = True, during_first_login: bool = False
) -> Callable[[View], View]:
    """A portal page: the @portal module on (else 404), the portal session loaded.

    `signed_in`: anonymous visitors go to the portal's login page. Unless
    `during_first_login`, a customer who must still change the initial password is sent
    to the password page first."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not module_on(request, MODULE):
                raise Http404
            customer = load(request)
            if signed_in and customer is None:
                response: HttpResponseBase = login_redirect(request)
            elif customer is not None and customer.portal_first_login and not during_first_login:
                response = HttpResponseRedirect(reverse("portal:password"))
            else:
                response = view(request, *args, **kwargs)
            return save(request, response)

        # Read by the test that walks every portal URL (tests/test_portal_auth.py).
        guarded.portal_page = (signed_in, during_first_login)  # type: ignore[attr-defined]
        return cast(View, guarded)

    return decorate
