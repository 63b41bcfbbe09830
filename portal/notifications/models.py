"""What the portal tells people: an in-app inbox row per message, and its e-mail's fate."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")
    MISSED = "missed", _("Deadline missed")
    GENERAL = "general", _("Message")


class EmailStatus(models.TextChoices):
    NOT_WANTED = "not_wanted", _("In-app only")
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Being handed to the mail server")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# What the sweep queues again when the broker may have lost it (ADR 0006).
EMAIL_UNSETTLED = (EmailStatus.PENDING, EmailStatus.SENDING)


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def email_failed(self):
        return self.filter(email_status=EmailStatus.FAILED)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    statutory = models.BooleanField(_("statutory"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    reminder = models.ForeignKey(
        "deadlines.Reminder",
        verbose_name=_("reminder"),
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
    )
    email_status = models.CharField(
        _("e-mail"), max_length=12, choices=EmailStatus.choices, default=EmailStatus.NOT_WANTED
    )
    email_attempts = models.PositiveIntegerField(_("e-mail attempts"), default=0)
    email_last_error = models.TextField(_("last e-mail error"), blank=True)
    email_queued_at = models.DateTimeField(_("e-mail last queued"), null=True, blank=True)
    email_sending_at = models.DateTimeField(
        _("e-mail handed over since"),
        null=True,
        blank=True,
        help_text=_("When the current attempt claimed the e-mail, just before the mail server was called."),
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "user"],
                condition=Q(reminder__isnull=False),
                name="notification_once_per_reminder",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(fields=["user"], name="notification_unread", condition=Q(read_at__isnull=True)),
            models.Index(
                fields=["email_queued_at"],
                name="notification_email_unsettled",
                condition=Q(email_status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.subject}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail and in-app")
    IN_APP = "in_app", _("In-app only")


class NotificationPreference(models.Model):
    """How a person wants non-statutory reminders. Statutory ones are always e-mailed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    reminders = models.CharField(
        _("non-statutory reminders"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user}: {self.get_reminders_display()}"
