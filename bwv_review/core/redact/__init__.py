"""Redaction: regions of the picture and stretches of sound covered in a copy for
disclosure, face suggestions to start from, and the redacted copy itself. The original
footage is only ever read."""
