"""The workflow trigger pages (/settings/triggers/): list, create, edit, switch on and off,
delete, send a test.

A thin layer over what the trigger API uses: inputs.trigger_input / trigger_changes clean,
the trigger services write, services.sample sends the test. Triggers are settings (the
matrix's `settings` resource, admins today) of the notifications module (404 while off).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError
from dockpulse.events.types import EVENT_TYPES
from dockpulse.web.access import require, staff_page

from . import inputs, selectors, services
from .models import WorkflowTrigger
from .services.sample import trigger_send_test
from .trigger_forms import TriggerForm

MODULE = "@notifications"


@staff_page("settings", module=MODULE)
@require_GET
def trigger_list(request: HttpRequest) -> HttpResponse:
    event_type = request.GET.get("event_type", "")
    if event_type not in EVENT_TYPES:
        event_type = ""
    return render(
        request,
        "settings/triggers/list.html",
        {
            "triggers": list(selectors.trigger_list(event_type=event_type)),
            "event_type": event_type,
            "event_types": list(EVENT_TYPES),
        },
    )


def _form_page(
    request: HttpRequest, form: TriggerForm, trigger: WorkflowTrigger | None, status: int
) -> HttpResponse:
    return render(
        request, "settings/triggers/form.html", {"form": form, "trigger": trigger}, status=status
    )


@staff_page("settings", module=MODULE)
def trigger_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, TriggerForm(), None, 200)
    require(request, "settings", "write")
    form = TriggerForm(request.POST)
    if form.is_valid():
        try:
            trigger = services.trigger_create(
                values=inputs.trigger_input(**form.given()), actor=staff_actor(request.user)
            )
        except ValidationError as exc:
            form.add_input_errors(exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The trigger “%(name)s” is saved.") % {"name": trigger.name}
            )
            return redirect("triggers:list")
    return _form_page(request, form, None, 400)


@staff_page("settings", module=MODULE)
def trigger_edit(request: HttpRequest, pk: str) -> HttpResponse:
    trigger = get_object_or_404(WorkflowTrigger, pk=pk)
    if request.method != "POST":
        return _form_page(request, TriggerForm(trigger=trigger), trigger, 200)
    require(request, "settings", "write")
    form = TriggerForm(request.POST, trigger=trigger)
    if form.is_valid():
        try:
            services.trigger_update(
                trigger=trigger,
                changes=inputs.trigger_changes(trigger, form.given()),
                actor=staff_actor(request.user),
            )
        except ValidationError as exc:
            form.add_input_errors(exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The trigger “%(name)s” is saved.") % {"name": trigger.name}
            )
            return redirect("triggers:list")
        trigger.refresh_from_db()
    return _form_page(request, form, trigger, 400)


@staff_page("settings", "write", module=MODULE)
@require_POST
def trigger_toggle(request: HttpRequest, pk: str) -> HttpResponse:
    trigger = get_object_or_404(WorkflowTrigger, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    services.trigger_update(
        trigger=trigger,
        changes=inputs.trigger_changes(trigger, {"is_enabled": enabled}),
        actor=staff_actor(request.user),
    )
    if enabled:
        messages.success(request, _("The trigger “%(name)s” is on.") % {"name": trigger.name})
    else:
        messages.success(request, _("The trigger “%(name)s” is off.") % {"name": trigger.name})
    return redirect("triggers:list")


@staff_page("settings", "write", module=MODULE)
@require_POST
def trigger_delete(request: HttpRequest, pk: str) -> HttpResponse:
    trigger = get_object_or_404(WorkflowTrigger, pk=pk)
    name = trigger.name
    services.trigger_delete(trigger=trigger, actor=staff_actor(request.user))
    messages.success(request, _("The trigger “%(name)s” is deleted.") % {"name": name})
    return redirect("triggers:list")


@staff_page("settings", "write", module=MODULE)
@require_POST
def trigger_test(request: HttpRequest, pk: str) -> HttpResponse:
    trigger = get_object_or_404(WorkflowTrigger, pk=pk)
    try:
        sent = trigger_send_test(trigger=trigger, actor=staff_actor(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("A test of “%(name)s” was sent to %(recipient)s.")
            % {"name": trigger.name, "recipient": sent.recipient},
        )
    return redirect("triggers:list")
