"""The PySide6 front end. Qt lives here and only here."""
