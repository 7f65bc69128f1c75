"""The agency's people and the client contacts who sign in to the portal.

Every person is a ``User`` with one role. Staff roles (head of accounts, account manager,
specialist, finance) work in the workspace; a client contact works only in the portal and is
linked to one ``clients.Contact``. Specialties are a table so an agency can add its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Specialty(models.Model):
    """A specialist's craft: usability, copywriting, analytics, SEO, contextual advertising…"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", User.Role.HEAD)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: agency staff or a client contact."""

    class Role(models.TextChoices):
        HEAD = "head", _("Head of accounts")
        AM = "am", _("Account manager")
        SPECIALIST = "specialist", _("Specialist")
        FINANCE = "finance", _("Finance")
        CONTACT = "contact", _("Client contact")

    STAFF_ROLES: ClassVar[frozenset[str]] = frozenset({Role.HEAD, Role.AM, Role.SPECIALIST, Role.FINANCE})

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AM)
    specialties = models.ManyToManyField(Specialty, verbose_name=_("specialties"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("Empty: follow the browser's language."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split()[0]

    @property
    def is_head(self) -> bool:
        return self.role == self.Role.HEAD

    @property
    def is_am(self) -> bool:
        return self.role == self.Role.AM

    @property
    def is_specialist(self) -> bool:
        return self.role == self.Role.SPECIALIST

    @property
    def is_finance(self) -> bool:
        return self.role == self.Role.FINANCE

    @property
    def is_contact(self) -> bool:
        return self.role == self.Role.CONTACT

    @property
    def is_agency_staff(self) -> bool:
        return self.is_active and self.role in self.STAFF_ROLES
