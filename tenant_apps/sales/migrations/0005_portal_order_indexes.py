"""The customer portal's order list and home page (issue 15): a customer's orders, newest
first, read from one index in the list's own order (`WHERE customer_id = %s ORDER BY
created_at DESC, number DESC LIMIT 25`), and their count per status from the same index.

Without it the planner joins the foreign key's index with a sort of all the customer's
orders, or walks the whole table's date index backwards past other customers' orders; with
it a page is the next 25 index entries, whatever the customer's number of orders.

Written as SQL, not as a model `Index`: the index is the portal's reading path, and the
migration is all it needs (the model stays as the sales app declares it).
"""

from django.db import migrations

INDEX = "idx_orders_customer_created"


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0004_quote_decision_record"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON orders (customer_id, created_at DESC, number DESC)",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
