"""Messages django-allauth shows on Khata's sign-in pages, listed so Khata's catalogues carry them.

django-allauth has no Hindi catalogue. Khata's own catalogues come first in Django's lookup, so
naming these messages here (``makemessages`` extracts them) lets a translator cover the form
errors and placeholders of the sign-in, code, password and two-factor pages. Nothing imports
this module; it exists for extraction only.
"""

from django.utils.translation import gettext_noop

MESSAGES = (
    # Errors of the sign-in, code and password forms
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Be patient, you are sending too many requests."),
    gettext_noop("This account is currently inactive."),
    gettext_noop("Incorrect code."),
    gettext_noop("Incorrect password."),
    gettext_noop("Please type your current password."),
    gettext_noop("You must type the same password each time."),
    gettext_noop("The password reset token was invalid."),
    gettext_noop("Invalid or expired key."),
    gettext_noop("The email address is not assigned to any user account."),
    gettext_noop("You cannot deactivate two-factor authentication."),
    gettext_noop("You cannot generate recovery codes without having two-factor authentication enabled."),
    # Placeholders and labels inside the form fields
    gettext_noop("Email address"),
    gettext_noop("Email"),
    gettext_noop("Password"),
    gettext_noop("Code"),
    gettext_noop("Authenticator code"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
    gettext_noop("Current Password"),
    gettext_noop("Remember Me"),
)
