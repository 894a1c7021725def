from django.db import migrations

from kefu.core.search import create_index_operation


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_sla_routing_quick_replies_portal")]

    operations = [create_index_operation("tickets")]
