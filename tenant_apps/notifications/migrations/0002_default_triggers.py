"""The default workflow triggers of seed section 4.2, the same for every business template:
a new order texts the tenant's admins, a confirmed one e-mails the customer, a shipped one
texts the customer the tracking number. Tenants are cloned from the migrated template, so
new tenants start with them; existing ones get them from migrate_tenants."""

from django.db import migrations

DEFAULTS = [
    ("order.new.sms_admin", "New order: SMS to the admins", "order.created", "sms", "admins"),
    ("order.confirmed.email_customer", "Order confirmed: e-mail to the customer",
     "order.confirmed", "email", "customer"),
    ("order.shipped.sms_customer", "Order shipped: SMS with the tracking number to the customer",
     "order.shipped", "sms", "customer"),
]  # fmt: skip


def add(apps, schema_editor):
    Trigger = apps.get_model("notifications", "WorkflowTrigger")
    db = schema_editor.connection.alias
    for code, name, event_type, action, to in DEFAULTS:
        Trigger.objects.using(db).get_or_create(
            code=code,
            defaults={
                "name": name,
                "event_type": event_type,
                "action_type": action,
                "action_config": {"to": to},
            },  # fmt: skip
        )


def remove(apps, schema_editor):
    Trigger = apps.get_model("notifications", "WorkflowTrigger")
    db = schema_editor.connection.alias
    Trigger.objects.using(db).filter(code__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
