"""dbharness: proves a Supabase project's migrations before they ship (throwaway servers, pgTAP,
rollback checks, lint, promotion to staging and production)."""

__version__ = "0.2.0"
