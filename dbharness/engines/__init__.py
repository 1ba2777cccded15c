"""Throwaway servers: the interface (base), the local and docker engines, and choosing one."""
