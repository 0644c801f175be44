from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_search_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="is_portal_active",
            field=models.BooleanField(default=False, verbose_name="portal access"),
        ),
        migrations.AddField(
            model_name="customer",
            name="portal_auth_version",
            field=models.PositiveIntegerField(
                db_default=0, default=0, verbose_name="portal sign-in version"
            ),
        ),
        # Access "on" without a password ever sent is no access: the portal could not let
        # such a customer in, so the flag says what is true until staff turn it on.
        migrations.RunSQL(
            "UPDATE customers SET is_portal_active = false WHERE portal_password = ''",
            migrations.RunSQL.noop,
        ),
    ]
