"""What hosted Supabase has and vanilla PostgreSQL lacks: the platform's objects, the offline
extensions, the platform's rules for postgres (a server module), and the real Supabase CLI."""
