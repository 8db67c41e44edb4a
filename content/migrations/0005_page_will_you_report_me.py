from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0004_one_audience_vocabulary"),
    ]

    operations = [
        migrations.AlterField(
            model_name="page",
            name="key",
            field=models.SlugField(
                choices=[
                    ("about", "About"),
                    ("privacy", "Privacy"),
                    ("confidentiality", "Confidentiality"),
                    ("browsing-privately", "Browsing more privately"),
                    ("urgent-help", "Urgent help"),
                    ("professionals", "For professionals"),
                    ("will-you-report-me", "Will you report me?"),
                ],
                unique=True,
                verbose_name="key",
            ),
        ),
    ]
