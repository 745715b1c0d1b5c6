"""Paging helpers over Django querysets, shared by every domain; no GraphQL here."""
