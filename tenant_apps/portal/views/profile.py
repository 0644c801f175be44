"""Portal pages: the customer's own details (issue 15).

One page: the details staff keep (name, company, phone, NIP: shown, changed by the staff
on request) and a form for what the customer keeps current themself (e-mail, address), as
the tenant's field settings allow. The rules are `tenant_apps.customers.profile`'s; a save
redirects back with a message (no JavaScript needed), a refusal re-renders the form with
the errors on their fields (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from dockpulse.actors import customer_actor
from dockpulse.errors import DomainError
from dockpulse.web.forms import add_service_errors
from tenant_apps.customers import profile as customer_profile
from tenant_apps.portal.forms_profile import ProfileForm
from tenant_apps.portal.sessions import current_customer, portal_page

TEMPLATE = "portal/profile/profile.html"


@portal_page()
def profile(request: HttpRequest) -> HttpResponse:
    customer = current_customer(request)
    fields = customer_profile.profile_fields()
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, profile=fields, initial=ProfileForm.initial_for(customer))
    if form.is_bound and form.is_valid():
        try:
            changes = customer_profile.profile_changes(customer=customer, given=form.given())
            customer_profile.customer_profile_update(
                customer=customer, changes=changes, actor=customer_actor(customer)
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            if form.has_changed():
                messages.success(request, _("Your details are saved."))
            else:
                messages.info(request, _("Nothing to save: your details are as they were."))
            return redirect("portal:profile")
    context = {"customer": customer, "form": form, "fields": fields}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, TEMPLATE, context, status=status)


urlpatterns = [path("profile/", profile, name="profile")]
