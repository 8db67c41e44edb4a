"""A demo deterrence campaign, "search-warning", in English, Finnish and Swedish.

Written after the evidence on warning messages (docs/platforms.md): say plainly that the
material shows real children and is a crime with consequences, then offer confidential help.
Editors change or deactivate it in the admin; removing this migration's rows is safe.
"""

from django.db import migrations

SLUG = "search-warning"
NAME = "Demo: warning shown instead of search results"

TEXTS = {
    "en": (
        "Stop. What you searched for can lead to sexual images of children",
        "<p>What you searched for can lead to sexual images of children. Every such image shows "
        "a real child who was abused. Looking at it harms that child again, and creates demand "
        "for more.</p>"
        "<p>Viewing, downloading or sharing sexual images of anyone under 18 is a crime. People "
        "are found and prosecuted for it, and it can cost them their family, their work and "
        "their freedom.</p>"
        "<p>You can stop, and you do not have to do it alone. Help is free and confidential, "
        "and this site does not know who you are.</p>",
    ),
    "fi": (
        "Pysähdy. Hakusi voi johtaa lapsia esittäviin seksuaalisiin kuviin",
        "<p>Se, mitä hait, voi johtaa lapsia esittäviin seksuaalisiin kuviin. Jokaisessa "
        "tällaisessa kuvassa on todellinen lapsi, jota on käytetty hyväksi. Kuvan katsominen "
        "vahingoittaa lasta uudelleen ja luo kysyntää uusille kuville.</p>"
        "<p>Alle 18-vuotiaita esittävien seksuaalisten kuvien katsominen, lataaminen tai "
        "jakaminen on rikos. Tekijöitä jäljitetään ja asetetaan syytteeseen, ja teko voi viedä "
        "perheen, työn ja vapauden.</p>"
        "<p>Voit lopettaa, eikä sinun tarvitse tehdä sitä yksin. Apu on maksutonta ja "
        "luottamuksellista, eikä tämä sivusto tiedä, kuka olet.</p>",
    ),
    "sv": (
        "Stanna. Det du sökte efter kan leda till sexuella bilder av barn",
        "<p>Det du sökte efter kan leda till sexuella bilder av barn. Varje sådan bild visar ett "
        "verkligt barn som har utsatts för övergrepp. Att titta på bilden skadar barnet igen och "
        "skapar efterfrågan på fler.</p>"
        "<p>Att titta på, ladda ner eller dela sexuella bilder av någon under 18 år är ett "
        "brott. Människor spåras och åtalas för det, och det kan kosta dem familjen, arbetet "
        "och friheten.</p>"
        "<p>Du kan sluta, och du behöver inte göra det ensam. Hjälpen är gratis och "
        "konfidentiell, och den här webbplatsen vet inte vem du är.</p>",
    ),
}


def add_demo(apps, schema_editor):
    Campaign = apps.get_model("content", "Campaign")
    for language, (title, message) in TEXTS.items():
        Campaign.objects.get_or_create(
            slug=SLUG,
            language=language,
            defaults={"name": NAME, "title": title, "message": message, "active": True},
        )


def remove_demo(apps, schema_editor):
    apps.get_model("content", "Campaign").objects.filter(slug=SLUG, name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [("content", "0002_campaign")]

    operations = [migrations.RunPython(add_demo, remove_demo)]
