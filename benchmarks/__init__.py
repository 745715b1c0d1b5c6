"""The performance harness of the API: see the README's Performance section."""
