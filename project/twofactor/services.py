"""Enrolment of an authenticator app and its backup codes; each change is written to the audit trail."""

from __future__ import annotations

from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from project.audit.services import audit_record
from project.locking import lock_rows
from project.org.models import User

BACKUP_TOKEN_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def has_confirmed_device(user: User) -> bool:
    return any(devices_for_user(user, confirmed=True))


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (created with a fresh random key when there is none).

    The same key is shown until it is confirmed, so reloading the page does not invalidate a scan.
    """
    with transaction.atomic():
        # The user's row first: two enrolment pages opened at once must show the same key, not make two.
        lock_rows(User.objects.filter(pk=user.pk))
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; return new single-use backup codes.

    Requires: the device is the user's and unconfirmed. Returns None when the code is wrong (the
    device's own throttling applies). Replaces any earlier backup codes.
    """
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        if locked is None or not locked.verify_token(token):  # None: the same form, sent twice, confirmed it
            return None
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        tokens = [StaticToken.random_token() for _ in range(BACKUP_TOKEN_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=backup, token=token) for token in tokens)
        audit_record(actor=user, action="twofactor.enrol", summary=f"{user} enrolled an authenticator app")
    device.confirmed = True
    return tokens


def two_factor_verify(*, user: User, token: str) -> Device | None:
    """The confirmed device (authenticator or a backup code) that accepts the code, or None.

    A backup code is used up by the match; the audit trail records its use.
    """
    device: Device | None = match_token(user, token.strip().replace(" ", ""))
    if isinstance(device, StaticDevice):
        audit_record(actor=user, action="twofactor.backup_code", summary=f"{user} logged in with a backup code")
    return device
