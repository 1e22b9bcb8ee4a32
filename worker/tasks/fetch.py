"""Celery tasks for the fetch stage."""

from __future__ import annotations
