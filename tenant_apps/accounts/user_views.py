"""The users and roles pages (/settings/users/): list, invite, edit, deactivate.

A thin layer over the accounts services, as the users API is, behind the matrix's `users`
resource (admins today). The sign-in pages are views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError
from dockpulse.web.access import require, staff_page
from dockpulse.web.forms import add_service_errors
from dockpulse.web.listing import SortOption, listing

from . import selectors, services
from .models import User
from .user_forms import InviteForm, UserForm

SORTS = [
    SortOption("name", gettext_lazy("Name"), ("name", "email")),
    SortOption("email", gettext_lazy("E-mail"), ("email",)),
    SortOption("role", gettext_lazy("Role"), ("role", "email")),
    SortOption("-last_login", gettext_lazy("Last login"), ("-last_login", "email")),
]


@staff_page("users")
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    rows = listing(request, selectors.user_list(search=query), sorts=SORTS)
    return render(
        request,
        "settings/users/list.html",
        {"listing": rows, "query": query, "me": request.user.pk},
    )


@staff_page("users")
def user_invite(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        require(request, "users", "write")
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                user = services.user_invite(
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    actor=staff_actor(request.user),
                    request=request,
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(email)s is invited: the e-mail with a link to set a password is sent.")
                    % {"email": user.email},
                )
                return redirect("users:list")
        status = 400
    else:
        form, status = InviteForm(), 200
    return render(request, "settings/users/invite.html", {"form": form}, status=status)


@staff_page("users")
def user_edit(request: HttpRequest, pk: str) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        require(request, "users", "write")
        form = UserForm(request.POST)
        if form.is_valid():
            try:
                services.user_update(
                    user=user,
                    actor=staff_actor(request.user),
                    name=form.cleaned_data["name"],
                    phone=form.cleaned_data["phone"],
                    role=form.cleaned_data["role"],
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(email)s is saved.") % {"email": user.email})
                return redirect("users:list")
        status = 400
        user.refresh_from_db()  # the page's other parts show what is stored
    else:
        form = UserForm(initial={"name": user.name, "phone": user.phone, "role": user.role})
        status = 200
    return render(
        request,
        "settings/users/edit.html",
        {"form": form, "person": user, "is_me": user.pk == request.user.pk},
        status=status,
    )


@staff_page("users", "write")
@require_POST
def user_active(request: HttpRequest, pk: str) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=user, active=active, actor=staff_actor(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if active:
            messages.success(request, _("%(email)s is active again.") % {"email": user.email})
        else:
            messages.success(
                request, _("%(email)s is deactivated and can no longer log in.")
                % {"email": user.email}
            )  # fmt: skip
    return redirect("users:list")


@staff_page("users", "write")
@require_POST
def user_reinvite(request: HttpRequest, pk: str) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        services.user_send_invitation(user=user, request=request, actor=staff_actor(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation is sent again to %(email)s.")
                         % {"email": user.email})  # fmt: skip
    return redirect("users:edit", pk=user.pk)
