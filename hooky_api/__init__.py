"""The Hooky REST API: a Flask app factory (hooky_api.app) with one blueprint per resource.

Kept empty so that `hooky-api` can set up Prometheus' multi-process mode before the app is imported.
"""
