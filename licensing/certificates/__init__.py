"""Certificates of NOCs and licences: a signed PDF with a QR code and a short verify code.

See docs/adr/0007-certificates.md.
"""
