"""Adapters: everything that talks to the outside (settings, data files, database migrations, SMTP,
the .docx renderer, LibreOffice, the state folder's files). Not the composition root: the CLI, the web
page and the flows build them; services receive what they need as arguments."""
