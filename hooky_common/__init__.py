"""Shared core of Hooky: configuration, MongoDB store and domain rules used by API and worker."""
