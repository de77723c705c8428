"""Second-factor secrets stored before they were encrypted (authenticator-app secrets,
recovery-code seeds and migrated codes) are encrypted with the platform's master key."""

from django.db import migrations

from config.cipher import master_cipher


def _transform(apps, change) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        data = dict(authenticator.data)
        for field in ("secret", "seed"):
            if field in data:
                data[field] = change(data[field])
        if data.get("migrated_codes"):
            data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
        authenticator.data = data
        authenticator.save(update_fields=["data"])


def encrypt(apps, schema_editor) -> None:
    _transform(apps, lambda text: master_cipher().encrypt(text.encode()).decode())


def decrypt(apps, schema_editor) -> None:
    _transform(apps, lambda token: master_cipher().decrypt(token.encode()).decode())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_token_second_factor"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
