"""Portal API: the customer's own details (issue 15).

`GET portal/profile/` answers the fields the tenant shows (a hidden one is absent, and the
staff's notes and tags never appear); `PATCH portal/profile/` changes what the customer may
change themself (e-mail, address). A read-only field in the body (name, company, phone,
NIP) is a 400 on that field saying to ask the staff; a hidden or unknown one is a 400
"Unknown field."; a required one left empty a 400 on it. The rules are
`tenant_apps.customers.profile`'s, the same as the portal's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.actors import customer_actor
from dockpulse.api.serializers import StrictSerializer
from tenant_apps.customers import profile as customer_profile
from tenant_apps.customers.models import Customer

from .base import PortalCustomerAPIView, portal_customer

HIDEABLE = "Absent when the company hides this field (its field settings)."


class AddressSerializer(StrictSerializer):
    street = serializers.CharField(required=False, allow_blank=True)
    postal_code = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, max_length=2)

    class Meta:
        ref_name = "PortalProfileAddress"


class ProfileSerializer(StrictSerializer):
    """The customer's details; fields the tenant hid are left out. Only `email` and
    `address` can be changed here; the others are changed by the staff on request."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    company_name = serializers.CharField(read_only=True, help_text=HIDEABLE)
    phone = serializers.CharField(read_only=True, help_text="The portal login: read-only.")
    email = serializers.CharField(
        max_length=254, required=False, allow_blank=True, help_text=HIDEABLE
    )
    nip = serializers.CharField(read_only=True, help_text=HIDEABLE)
    address = AddressSerializer(required=False, help_text=HIDEABLE)
    editable = serializers.SerializerMethodField(
        help_text="The fields this customer may change with PATCH."
    )

    class Meta:
        ref_name = "PortalProfile"

    def __init__(
        self, *args: Any, fields: customer_profile.ProfileFields | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Without the tenant's rules (the schema's look at the class): every field.
        self.profile = fields or customer_profile.ProfileFields(
            shown=customer_profile.PROFILE_FIELDS,
            editable=customer_profile.PROFILE_EDITABLE,
            read_only=customer_profile.PROFILE_READ_ONLY,
            required=frozenset(),
        )
        for name in customer_profile.PROFILE_FIELDS:
            if not self.profile.shows(name):
                self.fields.pop(name)

    def get_editable(self, _customer: Customer) -> list[str]:
        return list(self.profile.editable)

    def to_internal_value(self, data: Any) -> Any:
        # A read-only field is named with what to do, next to the other fields' problems.
        problems: dict[str, Any] = {}
        if isinstance(data, Mapping):
            problems = {
                name: [customer_profile.read_only_message(name)]
                for name in self.profile.read_only
                if name in data
            }
            data = {key: value for key, value in data.items() if key not in problems}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if problems and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**problems, **exc.detail}) from exc
            raise
        if problems:
            raise serializers.ValidationError(problems)
        return value


class PortalProfileView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        responses={200: ProfileSerializer},
        description="The signed-in customer's details, as the company's field settings show them.",
    )
    def get(self, request: Request) -> Response:
        customer = portal_customer(request)
        fields = customer_profile.profile_fields()
        return Response(ProfileSerializer(customer, fields=fields).data)

    @extend_schema(
        tags=["portal"],
        request=ProfileSerializer,
        responses={
            200: ProfileSerializer,
            400: OpenApiResponse(
                description=(
                    "Per field: a read-only field (ask the company to change it), a hidden or "
                    "unknown one, a required one left empty, a bad e-mail or country."
                )
            ),
        },
        description=(
            "Change the customer's e-mail and address (the parts given; the others stay). "
            "Sends `customer.updated` with the changed fields, the customer as the actor."
        ),
    )
    def patch(self, request: Request) -> Response:
        customer = portal_customer(request)
        fields = customer_profile.profile_fields()
        data = ProfileSerializer(data=request.data, partial=True, fields=fields)
        data.is_valid(raise_exception=True)
        changes = customer_profile.profile_changes(
            customer=customer, given=dict(data.validated_data)
        )
        customer_profile.customer_profile_update(
            customer=customer, changes=changes, actor=customer_actor(customer)
        )
        return Response(ProfileSerializer(customer, fields=fields).data)


urlpatterns = [path("portal/profile/", PortalProfileView.as_view(), name="portal_profile")]
