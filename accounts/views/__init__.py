"""Account pages, one module per journey: registration, login, passwords, profile, 2FA, CGU."""
