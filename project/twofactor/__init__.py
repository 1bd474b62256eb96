"""Two-factor log-in (TOTP through django-otp) for the roles that see the most: enrolment, verification,
and the middleware that refuses every other page until a user who needs it has passed it."""
