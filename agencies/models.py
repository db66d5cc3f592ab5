import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class AgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Agency(models.Model):
    class Type(models.TextChoices):
        FUND_PROGRAMME = "fund_programme", _("UN fund or programme")
        SPECIALIZED = "specialized", _("Specialized agency")
        RELATED = "related", _("Related organization")
        SECRETARIAT = "secretariat", _("Secretariat department or office")
        REGIONAL_COMMISSION = "regional_commission", _("Regional commission")
        RESEARCH_TRAINING = "research_training", _("Research or training institute")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=20, unique=True)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    year_joined = models.PositiveSmallIntegerField(_("year joined the GMG"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    iati_identifier = models.CharField(_("IATI organisation identifier"), max_length=60, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("What is uncertain about this record, and why.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(year_joined__isnull=True) | Q(year_joined__gte=2006),
                name="agency_joined_after_gmg_founded",
            ),
        ]

    def __str__(self):
        return self.acronym

    def get_absolute_url(self):
        return reverse("agency-detail", args=[self.slug])


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    FOCAL_POINT = "focal_point", _("Focal point")
    HEAD = "head", _("Head of agency")
    SECRETARIAT = "secretariat", _("Secretariat")


class PairNotifications(models.TextChoices):
    """How a person hears of decisions and comments on overlap pairs that concern them."""

    IMMEDIATE = "immediate", _("At once, by email")
    DIGEST = "digest", _("In my digest only")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("role", Role.SECRETARIAT)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: one agency and one role, or the portal-wide secretariat."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"), default=False, help_text=_("May sign in to the Django admin.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Kept so that a focal point sees who left when, and by whose hand (agencies.services).
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "self",
        verbose_name=_("deactivated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Read by overlap review (an app above this one) when it tells people about a pair.
    pair_notifications = models.CharField(
        _("news about possible duplication"),
        max_length=10,
        choices=PairNotifications.choices,
        default=PairNotifications.IMMEDIATE,
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # Everyone but the secretariat speaks for an agency.
            models.CheckConstraint(
                condition=Q(role=Role.SECRETARIAT) | Q(agency__isnull=False),
                name="user_agency_required_unless_secretariat",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self):
        return self.full_name or self.email

    @property
    def is_secretariat(self):
        return self.role == Role.SECRETARIAT or self.is_superuser


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An emailed invitation to join the portal. Only a hash of the token is stored."""

    class Status(models.TextChoices):
        # Derived from the dates below, never stored: an invitation expires without a write.
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField(_("email address"))
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.CASCADE
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.SECRETARIAT) | Q(agency__isnull=False),
                name="invitation_agency_required_unless_secretariat",
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    @property
    def status(self):
        """An Invitation.Status; templates show its `.label`."""
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    @property
    def can_be_sent_again(self):
        """Pending or expired: sending again gives a new link, valid from now."""
        return self.status in (self.Status.PENDING, self.Status.EXPIRED)

    @property
    def headline(self):
        """The email's subject and title: what the person is invited as, and for which agency.

        One whole sentence per role rather than a role word dropped into a sentence, so that
        each reads right and can be translated as a whole.
        """
        if self.role == Role.SECRETARIAT or self.agency is None:
            return _("You are invited to the GMG Portal as a member of the GMG secretariat")
        sentences = {
            Role.STAFF: _("You are invited to the GMG Portal as staff of %(agency)s"),
            Role.FOCAL_POINT: _("You are invited to the GMG Portal as focal point of %(agency)s"),
            Role.HEAD: _("You are invited to the GMG Portal as head of %(agency)s"),
        }
        return sentences[self.role] % {"agency": self.agency.acronym}


class SecurityEventQuerySet(models.QuerySet):
    def for_the_log(self):
        """What the security log page shows of each event: its people, without more queries."""
        return self.select_related("actor", "subject").order_by("-created_at", "-pk")

    def older_than(self, days):
        return self.filter(created_at__lt=timezone.now() - timedelta(days=days))


class SecurityEvent(models.Model):
    """One sign-in, refusal or change of someone's access, for the secretariat to read.

    Append-only: written by agencies.security_log.record() and never changed; old events
    are deleted daily (agencies.tasks.prune_security_log). It holds identifiers (who, from which
    address, the email typed) but never a secret: no password, token, code or session key.
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Sign-in refused: too many failures")
        SIGN_OUT = "sign_out", _("Signed out")
        ACCESS_DENIED = "access_denied", _("Access denied")
        ROLE_CHANGED = "role_changed", _("Role changed")
        DEACTIVATED = "deactivated", _("Deactivated")
        REACTIVATED = "reactivated", _("Reactivated")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_RESENT = "invitation_resent", _("Invitation sent again")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_SET = "password_set", _("Password set")
        PASSWORD_RESET = "password_reset", _("Password reset")
        MFA_ADDED = "mfa_added", _("Two-factor method added")
        MFA_REMOVED = "mfa_removed", _("Two-factor method removed")
        MFA_RESET = "mfa_reset", _("Recovery codes renewed")
        MFA_FAILED = "mfa_failed", _("Two-factor code refused")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.ForeignKey(
        User,
        verbose_name=_("person concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What was typed at a failed sign-in: an identifier, kept so that attacks on one address
    # can be seen even when no account has it.
    email = models.CharField(_("email typed"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [models.Index(fields=["kind", "-created_at"], name="securityevent_kind_time")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def detail_text(self):
        """The detail in words, for the log page (plain text: the template escapes it)."""
        d = self.detail or {}
        roles = dict(Role.choices)

        def role(value):
            return roles.get(value, value)

        if self.kind == self.Kind.ROLE_CHANGED:
            return _("From “%(old)s” to “%(new)s”") % {
                "old": role(d.get("old_role", "")),
                "new": role(d.get("new_role", "")),
            }
        if "role" in d:
            if d.get("agency"):
                return _("As “%(role)s” of %(agency)s") % {
                    "role": role(d["role"]),
                    "agency": d["agency"],
                }
            return _("As “%(role)s”") % {"role": role(d["role"])}
        if self.kind == self.Kind.DEACTIVATED and "sessions_ended" in d:
            return ngettext(
                "%(n)s open session ended", "%(n)s open sessions ended", d["sessions_ended"]
            ) % {"n": d["sessions_ended"]}
        if self.kind == self.Kind.ACCESS_DENIED:
            return f"{d.get('http_method', '')} {self.path}".strip()
        if d.get("method") == "code":
            return _("With a sign-in code")
        if d.get("method"):
            return _("Method: %(method)s") % {"method": d["method"]}
        return ""
