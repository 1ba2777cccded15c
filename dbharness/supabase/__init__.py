"""supabase"""
