"""Celery tasks for the alert stage."""

from __future__ import annotations
