import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: learner, institution staff or both. Logs in with an email address."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    class LearnerType(models.TextChoices):
        STUDENT = "student", _("Student")
        EMPLOYEE = "employee", _("Company employee")
        GOVERNMENT = "government", _("Government staff")
        PUBLIC = "public", _("Member of the public")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(
        _("email address"),
        max_length=254,
        unique=True,
        error_messages={"unique": _("A user with this email address already exists.")},
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    learner_type = models.CharField(
        _("learner type"), max_length=20, choices=LearnerType.choices, default=LearnerType.PUBLIC
    )
    home_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="learners",
        verbose_name=_("home institution"),
    )
    member_number = models.CharField(
        _("student or staff number"),
        max_length=50,
        blank=True,
        help_text=_("Your number at your home institution or employer, if you have one."),
    )
    sex = models.CharField(
        _("sex"),
        max_length=10,
        choices=Sex.choices,
        blank=True,
        help_text=_("Optional. Used only for anonymous statistics the project reports."),
    )
    sex_consent = models.BooleanField(
        _("consent to record sex"),
        default=False,
        help_text=_("The person agreed that their sex is recorded for anonymous statistics."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Lets the user into the admin site without an institution role."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    email_verified_at = models.DateTimeField(
        _("email verified"),
        null=True,
        blank=True,
        help_text=_("When the person opened the verification link sent to this address."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects: ClassVar[UserManager] = UserManager()

    _loaded_email: str | None = None  # the address as read from the database

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="user_email_lowercase",
                violation_error_message=_("Email addresses are stored in lower case."),
            ),
            models.CheckConstraint(
                condition=models.Q(sex="") | models.Q(sex_consent=True),
                name="user_sex_needs_consent",
                violation_error_message=_("Sex can only be recorded with the person's consent."),
            ),
            models.CheckConstraint(
                condition=models.Q(sex__in=["", "female", "male"]),
                name="user_sex_valid",
                violation_error_message=_("Unknown value for sex."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    learner_type__in=["student", "employee", "government", "public"]
                ),
                name="user_learner_type_valid",
                violation_error_message=_("Unknown learner type."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> "User":
        user = super().from_db(*args, **kwargs)
        user._loaded_email = user.__dict__.get("email")
        return user

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One spelling per address, so the unique index is also case-insensitive.
        self.email = self.email.strip().lower()
        # A verification is for one address: a new address has to be verified again.
        if self._loaded_email is not None and self._loaded_email != self.email:
            self.email_verified_at = None
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "email_verified_at"}
        super().save(*args, **kwargs)
        self._loaded_email = self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]
