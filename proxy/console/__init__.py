"""The web console: server-rendered pages for auditors (and for users, their own requests) at ``/console``.

It lives in ``proxy`` rather than in ``audit`` because it is part of the gateway: it signs people in with the
gateway's keys (``proxy.auth``), runs in the gateway's workers and reads the gateway's services. It reads the trail
only through ``audit.access.AuditReader``, so every page and export is recorded like any other reading, and
``audit`` still imports nothing from ``proxy``.
"""
