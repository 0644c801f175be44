"""Portal API: the customer's thread with the staff (issue 15).

`GET portal/messages/` pages the thread, newest first, and marks nothing read: a GET is
safe, and an app refreshing in the background (or a prefetch) would otherwise mark answers
read that nobody saw. A client that shows the thread says so with `POST
portal/messages/read/`. `POST portal/messages/` sends a message (201), refused on `body`
when empty or too long (400). Everything is the signed-in customer's own thread.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse.actors import customer_actor
from dockpulse.api.params import page, valid
from dockpulse.api.serializers import StrictSerializer
from tenant_apps.messaging import selectors, services
from tenant_apps.messaging.models import BODY_MAX_LENGTH, Author, Message

from .base import PortalCustomerAPIView, portal_customer


class MessageOut(serializers.Serializer):
    id = serializers.UUIDField()
    author = serializers.ChoiceField(
        source="author_kind",
        choices=Author.choices,
        help_text="`customer`: the signed-in customer wrote it; `staff`: the company did.",
    )
    author_name = serializers.CharField(
        help_text="The customer's name, or the name of the staff member who wrote it."
    )
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_by_staff_at = serializers.DateTimeField(
        allow_null=True, help_text="The customer's message: when the staff first saw it."
    )
    read_by_customer_at = serializers.DateTimeField(
        allow_null=True, help_text="A staff message: when the customer marked it read."
    )
    is_new = serializers.SerializerMethodField(
        help_text="A staff message the customer has not marked read yet."
    )

    class Meta:
        ref_name = "PortalMessage"

    def get_is_new(self, message: Message) -> bool:
        return message.author_kind == Author.STAFF and message.read_by_customer_at is None


class MessagePageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MessageOut(many=True)
    unread_count = serializers.IntegerField(
        help_text="Staff messages the customer has not marked read (in the whole thread)."
    )

    class Meta:
        ref_name = "PortalMessagePage"


class MessageIn(StrictSerializer):
    # Not limited here: an empty or too long text is the service's refusal, in the same
    # words as on the page.
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"1 to {BODY_MAX_LENGTH} characters (trimmed; line breaks kept).",
    )

    class Meta:
        ref_name = "PortalMessageIn"


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many staff messages were unread.")
    unread_count = serializers.IntegerField()

    class Meta:
        ref_name = "PortalMessagesMarked"


class PortalMessagesView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: MessagePageOut},
        description=(
            "The signed-in customer's thread with the staff, newest first, paged. Marks "
            "nothing read: POST portal/messages/read/ does, once the messages are shown."
        ),
    )
    def get(self, request: Request) -> Response:
        customer = portal_customer(request)
        response = page(self, request, selectors.thread(customer.pk), MessageOut)
        response.data["unread_count"] = selectors.unread_by_customer_count(customer_id=customer.pk)
        return response

    @extend_schema(
        tags=["portal"],
        request=MessageIn,
        responses={
            201: MessageOut,
            400: OpenApiResponse(description="`body`: empty, or longer than the limit."),
        },
        description=(
            "Send the staff a message (`portal.message_sent`; the staff's inbox gets it "
            "through the tenant's trigger). Sending marks the staff's messages read."
        ),
    )
    def post(self, request: Request) -> Response:
        customer = portal_customer(request)
        data = valid(MessageIn, request)
        message = services.message_send(
            customer=customer, body=data["body"], actor=customer_actor(customer)
        )
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)


class PortalMessagesReadView(PortalCustomerAPIView):
    @extend_schema(
        tags=["portal"],
        request=None,
        responses={200: MarkedOut},
        description="Mark every staff message in the customer's thread read.",
    )
    def post(self, request: Request) -> Response:
        customer = portal_customer(request)
        marked = services.messages_mark_read(customer=customer, actor=customer_actor(customer))
        return Response({"marked": marked, "unread_count": 0})


urlpatterns = [
    path("portal/messages/", PortalMessagesView.as_view(), name="portal_messages"),
    path("portal/messages/read/", PortalMessagesReadView.as_view(), name="portal_messages_read"),
]
