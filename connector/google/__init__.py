"""Google Classroom connector: one school's Classroom read into platform-neutral records.

Public entry point: :class:`connector.google.source.GoogleClassSource`.
"""
