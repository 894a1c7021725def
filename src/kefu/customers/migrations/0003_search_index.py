from django.db import migrations

from kefu.core.search import create_index_operation


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_attributedefinition_mergerecord")]

    operations = [create_index_operation("customers")]
