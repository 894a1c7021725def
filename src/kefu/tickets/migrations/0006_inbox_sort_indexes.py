from django.db import migrations, models


class Migration(migrations.Migration):
    """The inbox's "most urgent first" and "latest activity first" sorts, and its shop and
    category filters, one status at a time."""

    dependencies = [("tickets", "0005_sla_routing_escalation")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["status", "-priority", "-created_at"], name="ticket_status_priority"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["status", "-last_message_at"], name="ticket_status_activity"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["shop", "status", "-created_at"], name="ticket_shop_status"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["category", "status", "-created_at"], name="ticket_category_status"
            ),
        ),
    ]
